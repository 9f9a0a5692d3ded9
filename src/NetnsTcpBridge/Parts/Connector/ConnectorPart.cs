using System.Runtime.InteropServices;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Parts.Listener;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>
/// The child process, born inside the connect namespace: reads its settings and then clients
/// from the channel, and gives each client to the relay engine, which connects and relays.
/// </summary>
internal static class ConnectorPart
{
    private static readonly TimeSpan AbortLimit = TimeSpan.FromSeconds(1);

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

        // Ownership of the pre-connected socket (-C), if any, moves to the source, then to the first client.
        using var source = new ChannelClientSource(channel, first.TakeDescriptor()?.Release() ?? -1);
        var engine = new RelayEngine(settings.Relay, source);
        using var stop = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            Log.Debug($"stopping: resetting {engine.ActiveConnections} connection(s)");
            engine.AbortAll(AbortLimit);
            Environment.Exit(0);
        });

        // The listener decides when to stop; a Ctrl-C that reaches the whole process group must
        // not make this part exit first and look like a crash.
        using var ignoreInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        using var ignoreHangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true);

        // The event loops take the clients themselves; this thread only waits for the end.
        source.WaitUntilFinished();
        if (source.UntakenPreconnected >= 0)
        {
            _ = Libc.Close(source.UntakenPreconnected);
        }

        switch (source.Ending)
        {
            case ChannelEnding.EndRecord:
                engine.WaitUntilIdle();
                return 0;
            case ChannelEnding.ListenerGone:
                Log.Error($"the listener part has gone away; resetting {engine.ActiveConnections} connection(s) and exiting");
                break;
            default:
                Log.Error($"hand-over channel: {source.Problem}; resetting {engine.ActiveConnections} connection(s) and exiting");
                break;
        }

        engine.AbortAll(AbortLimit);
        return 1;
    }
}
