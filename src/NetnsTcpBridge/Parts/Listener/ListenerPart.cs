using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Metrics;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.Systemd;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// The serving listener: the image the set-up (<see cref="ListenerSetup"/>) replaced itself with,
/// born inside the listen namespace with the same PID. The connectors accept and relay; this
/// part answers signals, the metrics endpoint and the service manager, watches the connectors and
/// the namespace owners, and decides how the bridge ends.
/// </summary>
/// <remarks>
/// The exit policy lives in <see cref="ConnectorSupervisor"/>: the first stop (signal, or a
/// namespace owner gone) sends End to every connector, which stop taking clients and drain; the
/// second resets every connection at once (SIGUSR2); the third kills the connectors. The bridge
/// exits when the last connector has, with status 0 after a stop, the connector's status after a
/// one-shot client, and 1 when a connector ended on its own.
/// </remarks>
internal static class ListenerPart
{
    public static int Run(ListenerHandoff handoff)
    {
        // First of all, so that the signals that came during set-up are taken now.
        using var signals = new SignalInbox();
        signals.Ignore(Libc.SIGUSR2); // meant for connectors

        // Exec'd through /proc/self/exe, the process would be named "exe": ps, pgrep and pkill
        // must still find it by the executable's name.
        _ = Libc.PrctlName(Libc.PR_SET_NAME, Path.GetFileName(Environment.ProcessPath ?? "netns_tcp_bridge"), 0, 0, 0);
        Log.Level = handoff.LogLevel;
        Log.Format = handoff.LogFormat;
        Log.Timestamps = handoff.LogTimestamps;
        ServiceNotifier.Use(handoff.NotifyFd);
        foreach (var file in handoff.SocketFiles)
        {
            // Through the directory the set-up image opened: the path is not looked up again.
            UnixSocketFile.RemoveAtExit(file);
        }

        // Each descriptor is owned from here by the object that wraps it, for the life of the process.
        var channels = handoff.Connectors.Select(connector => new HandoverChannel(new FileDescriptor(connector.ChannelFd))).ToList();
        var supervisor = new ConnectorSupervisor(
            [.. handoff.Connectors.Select(connector => ConnectorProcess.Adopt(connector.Pid))],
            handoff.DrainTimeout,
            beginDrain: drain => SendEndToAll(channels, drain),
            finishExpected: handoff.OneShot);

        foreach (int stop in (int[])[Libc.SIGTERM, Libc.SIGINT, Libc.SIGHUP])
        {
            signals.On(stop, signal => supervisor.RequestStop(signal, "again to stop at once"));
        }

        // The counters live in the connectors; SIGUSR1 to the bridge's main process reaches them.
        signals.On(Libc.SIGUSR1, _ => supervisor.SignalAll(Libc.SIGUSR1));
        if (handoff.Owners.Count > 0)
        {
            NamespaceOwnerWatch.Adopt(handoff.Owners).Start(owner => supervisor.RequestStop($"{owner} has exited"));
        }

        if (handoff.MetricsFd >= 0)
        {
            var links = handoff.Connectors.Select(connector => new FileDescriptor(connector.StatisticsFd)).ToList();
            new MetricsServer(new FileDescriptor(handoff.MetricsFd), new StatisticsCollector(links).Render).Start();
        }

        // Set up: from here on only the calls that serving needs.
        SyscallFilter.Install("listener part");
        ServiceNotifier.Notify($"READY=1\nSTATUS={handoff.ServiceStatus}");
        supervisor.WaitForConnectors();
        return 1;
    }

    private static void SendEndToAll(List<HandoverChannel> channels, TimeSpan drain)
    {
        foreach (var channel in channels)
        {
            try
            {
                channel.Send(HandoverMessageKind.End, EndRecord.Format(drain));
            }
            catch (SyscallException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
            {
                // That connector is gone already: nothing to tell it.
            }
        }
    }
}
