using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Metrics;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Relay.Udp;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>
/// The child process, born inside the connect namespace: reads its settings and then clients
/// from the channel, and gives each client to the relay engine, which connects and relays.
/// </summary>
internal static class ConnectorPart
{
    private static readonly TimeSpan AbortLimit = TimeSpan.FromSeconds(1);

    /// <summary>Descriptors kept free beyond those open at start and the idle pipes: the event loops' own, and slack.</summary>
    private const int SpareDescriptors = 16;

    public static int Run()
    {
        try
        {
            return RunConnector();
        }
        finally
        {
            // The event loops' last lines (close lines, warnings) wait in a queue: write them out.
            Log.FlushQueued(TimeSpan.FromSeconds(1));
        }
    }

    private static int RunConnector()
    {
        Log.Part = "connector";

        // First of all, so that no signal kills this part by its default action. The listener
        // decides when to stop: a SIGTERM or Ctrl-C that reaches the whole process group (a
        // service manager's, a shell's) reaches the listener too, which then tells this part
        // over the channel to drain, or with SIGUSR2 to reset at once.
        using var signals = new SignalInbox();
        signals.Ignore(Libc.SIGTERM, Libc.SIGINT, Libc.SIGHUP);
        EnsureChannel(ConnectorLaunch.ChannelDescriptor);
        using var channel = new HandoverChannel(new FileDescriptor(ConnectorLaunch.ChannelDescriptor));

        using var first = channel.Receive();
        if (first is null)
        {
            // The listener ended while starting (it failed, or was killed); it says why itself.
            Log.Debug("the listener part ended before sending settings; exiting");
            return 1;
        }

        if (first.Kind != HandoverMessageKind.Settings)
        {
            throw new BridgeException("the listener part sent no settings; the connector part is started by the listener, not by hand");
        }

        var settings = ConnectorSettings.Parse(first.Text);
        Log.Level = settings.LogLevel;
        Log.Format = settings.LogFormat;
        Log.Timestamps = settings.LogTimestamps;
        if (settings.Relay.Routes.All(route => route.Name is not null))
        {
            // With several rules there may be several connectors: each says which rules it serves.
            Log.Prefix = $"netns_tcp_bridge[connector {string.Join(",", settings.Relay.Routes.Select(route => route.Name))}]";
        }

        // While still privileged: the directories of socket-file targets, opened once.
        UnixTargetDirectories.Open(settings.Relay.Routes.SelectMany(route => route.Targets));
        var relay = settings.Relay with { MaxConnections = Math.Min(settings.Relay.MaxConnections, ConnectionsWithinDescriptorLimit(settings.Relay)) };
        var statisticsLink = settings.ServesMetrics ? TakeStatisticsLink(ConnectorLaunch.StatisticsDescriptor) : null;
        if (settings.RunAs is { } user)
        {
            // Set up: descriptor limit raised, descriptors inherited. Connecting and relaying need no privilege.
            PrivilegeDrop.To(user, "connector part");
        }

        // The clients' source: the TCP routes' listening sockets, or the one pre-accepted client;
        // the UDP routes' sockets go to the UDP relay. The pre-connected socket (-C), if any, goes
        // with the first client.
        var (clients, udpListeners) = ReceiveClientSource(channel, settings);
        using var ownedClients = (IDisposable)clients;
        using var udp = udpListeners.Count > 0 ? new UdpRelay(udpListeners, relay) : null;
        using var preconnected = first.TakeDescriptor() is { } server ? new PreconnectedServerSource(clients, server.Release()) : null;
        var engine = new RelayEngine(relay, (IClientSource?)preconnected ?? clients);
        udp?.Start();
        if (statisticsLink is not null)
        {
            // The responder thread owns the link from here, for the life of the process.
            StatisticsResponder.Start(statisticsLink, engine, udp?.Statistics);
        }

        signals.On(Libc.SIGUSR2, _ =>
        {
            Log.Debug($"stopping: resetting {engine.ActiveConnections} connection(s)");
            udp?.Stop(AbortLimit);
            engine.AbortAll(AbortLimit, CloseReason.ResetOnStop);
            Log.FlushQueued(TimeSpan.FromSeconds(1));
            Environment.Exit(0);
        });
        signals.On(Libc.SIGUSR1, _ =>
        {
            int active = engine.ActiveConnections;
            Log.Event(LogLevel.Info, "stats", $"stats: {engine.Statistics.Describe(active)}", engine.Statistics.Fields(active));
            if (udp?.Statistics.Snapshot() is { } counters)
            {
                Log.Event(LogLevel.Info, "udp_stats", $"stats: {counters.Describe()}", counters.Fields());
            }
        });

        // Set up: from here on only the calls that serving needs.
        SyscallFilter.Install("connector part");

        // The event loops take the clients themselves; this thread waits for the end, which the
        // listener announces on the channel (a stop, or the end of a pre-accepted client's bridge),
        // or which comes by itself when a one-shot bridge's client is done.
        using var channelEnd = ChannelEndWatch.Start(channel);
        var oneShotDone = settings.OneShot && clients is ListeningClientSource listening ? OneShotWatch.Start(listening, engine) : null;
        WaitHandle.WaitAny(oneShotDone is null ? [channelEnd.Ended] : [channelEnd.Ended, oneShotDone]);
        if (!channelEnd.Ended.WaitOne(0))
        {
            Log.Debug("the one client has been served; exiting");
            return 0;
        }

        switch (channelEnd.Ending)
        {
            case ChannelEnding.EndReceived:
                // UDP has no connection to drain: receiving stops and every flow ends at once.
                udp?.Stop(AbortLimit);
                (clients as ListeningClientSource)?.Stop();
                if (!engine.WaitUntilIdle(channelEnd.DrainTimeout))
                {
                    Log.Info($"drain time over: resetting {engine.ActiveConnections} connection(s) still open");
                    engine.AbortAll(AbortLimit, CloseReason.ResetAtEndOfDrain);
                }

                return 0;
            case ChannelEnding.ListenerGone:
                Log.Error($"the listener part has gone away; resetting {engine.ActiveConnections} connection(s) and exiting");
                break;
            default:
                Log.Error($"hand-over channel: {channelEnd.Problem}; resetting {engine.ActiveConnections} connection(s) and exiting");
                break;
        }

        udp?.Stop(AbortLimit);
        engine.AbortAll(AbortLimit, CloseReason.ResetOnStop);
        return 1;
    }

    /// <summary>
    /// Receives what follows the settings: a Listening record per route, each with its listening
    /// socket, or the one Client record of a pre-accepted client.
    /// </summary>
    private static (IClientSource Tcp, List<UdpListener> Udp) ReceiveClientSource(HandoverChannel channel, ConnectorSettings settings)
    {
        if (settings.Preaccepted)
        {
            using var record = ReceiveRecord(channel, HandoverMessageKind.Client);
            return (new PreacceptedClientSource(record.TakeDescriptor()!.Release()), []);
        }

        var allRoutes = settings.Relay.Routes;
        int routes = allRoutes.Count;
        var listening = new List<(FileDescriptor Socket, int Route)>(routes);
        var udp = new List<UdpListener>();
        try
        {
            for (int i = 0; i < routes; i++)
            {
                using var record = ReceiveRecord(channel, HandoverMessageKind.Listening);
                if (!int.TryParse(record.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int route) || route >= routes)
                {
                    throw new BridgeException($"the listener part sent a listening socket for route '{record.Text}' of {routes}");
                }

                var socket = record.TakeDescriptor()!;
                if (allRoutes[route].Udp)
                {
                    // The UDP listener owns the bound socket from here.
                    udp.Add(new UdpListener(socket, allRoutes[route]));
                }
                else
                {
                    listening.Add((socket, route));
                }
            }
        }
        catch
        {
            listening.ForEach(entry => entry.Socket.Dispose());
            udp.ForEach(listener => listener.Dispose());
            throw;
        }

        return (new ListeningClientSource(listening, settings.OneShot ? 1 : null), udp);
    }

    private static HandoverMessage ReceiveRecord(HandoverChannel channel, HandoverMessageKind kind)
    {
        var record = channel.Receive() ?? throw new BridgeException("the listener part ended while starting the connector part");
        if (record.Kind != kind || record.Descriptor is null)
        {
            record.Dispose();
            throw new BridgeException($"the listener part sent record '{(char)record.Kind}' where '{(char)kind}' with a socket was due");
        }

        return record;
    }

    // Started by hand, descriptor 3 is missing or is something the runtime opened itself
    // (e.g. /dev/urandom): refuse in one line rather than fail on the first recvmsg.
    private static void EnsureChannel(int fd)
    {
        const string Internal = "--connector-part is internal: the listener part starts it with its hand-over channel at fd 3; do not start it by hand";
        if (Libc.Fcntl(fd, Libc.F_GETFD, 0) < 0
            || Libc.GetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_TYPE, out int type) != 0
            || type != Libc.SOCK_SEQPACKET)
        {
            throw new BridgeException(Internal);
        }

        InheritedDescriptor.EnsureOpenAndCloseOnExec(fd, "hand-over channel");
    }

    // The listener asks for the counters over this SEQPACKET socket (--metrics); anything else there is a bug.
    private static FileDescriptor TakeStatisticsLink(int fd)
    {
        if (Libc.GetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_TYPE, out int type) != 0 || type != Libc.SOCK_SEQPACKET)
        {
            throw new BridgeException($"the settings promise a statistics link at fd {fd}, but there is none; the connector part is started by the listener, not by hand");
        }

        InheritedDescriptor.EnsureOpenAndCloseOnExec(fd, "statistics link");
        return new FileDescriptor(fd);
    }

    // Each relayed connection holds two sockets; pipes are extra only while bytes flow, and a
    // direction that cannot get one copies through a buffer instead.
    private static int ConnectionsWithinDescriptorLimit(RelayOptions relay)
    {
        int limit = DescriptorLimit.RaiseToHardLimit();
        int openNow = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        int udpFlows = relay.Routes.Any(route => route.Udp) ? relay.MaxUdpFlows : 0; // a socket each
        int reserved = openNow + SpareDescriptors + udpFlows + (relay.Threads * (2 + (2 * PipePool.MaxIdle)));
        int connections = Math.Max(1, (limit - reserved) / 2);
        Log.Debug($"descriptor limit {limit}: up to {connections} connections at once");
        return connections;
    }
}
