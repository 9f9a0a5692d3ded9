using System.Runtime.InteropServices;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Parts.Listener;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>
/// The child process, born inside the connect namespace: reads its settings and then clients
/// from the channel, connects each one to the target and relays.
/// </summary>
internal static class ConnectorPart
{
    public static int Run()
    {
        Log.Prefix = "netns_tcp_bridge[connector]";
        InheritedDescriptor.EnsureOpenAndCloseOnExec(ConnectorProcess.ChannelDescriptor, "hand-over channel (internal; do not start the connector by hand)");
        using var channel = new HandoverChannel(new FileDescriptor(ConnectorProcess.ChannelDescriptor));

        using var first = channel.Receive();
        if (first is null || first.Kind != HandoverMessageKind.Settings)
        {
            throw new BridgeException("the listener part sent no settings; the connector part is started by the listener, not by hand");
        }

        var settings = ConnectorSettings.Parse(first.Text);
        Log.Level = settings.LogLevel;
        var preconnected = first.TakeDescriptor();

        var active = new ActiveConnections();
        var forwarder = new ClientForwarder(settings.Target, settings.ConnectTimeout, active);
        using var stop = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            int reset = active.AbortAll();
            Log.Debug($"stopping: reset {reset} connection(s)");
            Environment.Exit(0);
        });

        // The listener decides when to stop; a Ctrl-C that reaches the whole process group must
        // not make this part exit first and look like a crash.
        using var ignoreInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        using var ignoreHangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true);

        while (true)
        {
            using var message = channel.Receive();
            if (message is null)
            {
                int reset = active.AbortAll();
                Log.Error($"the listener part has gone away; resetting {reset} connection(s) and exiting");
                return 1;
            }

            switch (message.Kind)
            {
                case HandoverMessageKind.Client:
                    var client = message.TakeDescriptor()!;
                    var target = preconnected;
                    preconnected = null;
                    active.BeginClient(); // counted before End can be read, so the wait for idle sees it
                    _ = Task.Run(() => forwarder.ForwardAsync(client, target));
                    break;
                case HandoverMessageKind.End:
                    preconnected?.Dispose();
                    active.WhenIdleAsync().GetAwaiter().GetResult();
                    return 0;
                default:
                    throw new InvalidDataException($"unexpected hand-over record '{(char)message.Kind}'");
            }
        }
    }
}
