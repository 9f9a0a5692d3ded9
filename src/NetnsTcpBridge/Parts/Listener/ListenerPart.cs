using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Metrics;
using NetnsTcpBridge.Namespaces;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Systemd;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// The process the user started: sets up the listening side of every rule, starts one connector
/// per connect namespace, and hands each accepted client to the connector of its rule.
/// </summary>
internal static class ListenerPart
{
    public static int Run(BridgeSettings settings)
    {
        // First of all: a signal during start-up is kept, and acted on once there is something to act on.
        using var signals = new SignalInbox();
        signals.Ignore(Libc.SIGUSR2); // meant for connectors
        settings = settings with { Listen = ResolveSocketActivation(settings.Listen) };
        var rules = settings.Rules;

        // The connectors inherit the raised limit; the listener holds one descriptor per client briefly.
        DescriptorLimit.RaiseToHardLimit();

        // Before the namespace files: see NamespaceOwnerWatch for why the order matters.
        using var ownerWatch = settings.ExitWithNamespaceOwner ? NamespaceOwnerWatch.Open(settings.NamespaceOwners) : null;
        var listenSides = new List<(NetworkNamespace? Namespace, FileDescriptor Socket)>();
        foreach (var rule in rules)
        {
            listenSides.Add(RuleErrors.For(rule, () =>
            {
                var listenNamespace = NamespaceOpener.Open(rule.ListenNamespace, "listen");
                return (listenNamespace, OpenClientSource(rule, listenNamespace, settings.Backlog));
            }));
        }

        using var preconnected = settings.Connect is ConnectTarget.ConnectedDescriptor connected
            ? InheritedSocket.TakeOver(connected.Fd, InheritedSocketRole.Connected, "-C/--connect-fd")
            : null;

        var groups = ConnectorGroup.ByConnectNamespace(rules);
        ownerWatch?.EnsureAllRunning();
        foreach (var group in groups)
        {
            group.ResolveRoutes(rules); // before any connector starts: a bad host name is a start-up error
        }

        // Bound before any privilege is dropped; served by this process, which asks each connector
        // for its counters. The metrics server owns it once started; any failure before ends the process.
        var metricsSocket = MetricsSocket.Open(settings.Metrics, listenSides[0].Namespace, groups.Single(g => g.RuleIndexes.Contains(0)).Namespace);
        foreach (var group in groups)
        {
            group.Start(statistics: metricsSocket is not null, noNewPrivileges: settings.RunAs is not null);
        }

        if (settings.RunAs is { } user)
        {
            DropPrivileges(user, groups);
        }

        if (settings.IsPlainForwarder)
        {
            // Said once everything is set up, so that a failure to start stays a single line.
            Log.Info("no netns option given: running as a plain TCP forwarder in the current network namespace");
        }

        // Only now is the bridge really serving: tell a service manager (NOTIFY_SOCKET), if any.
        ServiceNotifier.Notify($"READY=1\nSTATUS={DescribeService(rules, listenSides, groups)}");

        var acceptLoop = settings.Listen is ListenSource.PreacceptedDescriptor ? null : new AcceptLoop(AcceptSources(rules, listenSides, groups));
        var supervisor = new ConnectorSupervisor([.. groups.Select(group => group.Process)], settings.DrainTimeout, beginDrain: () => acceptLoop?.Stop());
        foreach (int stop in (int[])[Libc.SIGTERM, Libc.SIGINT, Libc.SIGHUP])
        {
            signals.On(stop, signal => supervisor.RequestStop(signal, "again to stop at once"));
        }

        // The counters live in the connectors; SIGUSR1 to the bridge's main process reaches them.
        signals.On(Libc.SIGUSR1, _ => supervisor.SignalAll(Libc.SIGUSR1));
        ownerWatch?.Start(owner => supervisor.RequestStop($"{owner} has exited"));
        if (metricsSocket is not null)
        {
            // The metrics server owns the socket from here, for the life of the process.
            var collector = new StatisticsCollector([.. groups.Select(group => group.StatisticsLink!)]);
            new MetricsServer(metricsSocket, collector.Render).Start();
        }
        try
        {
            foreach (var group in groups)
            {
                // Both parts write to the same stderr, so the connector logs as the listener decided.
                var connectorSettings = new ConnectorSettings(group.RelayOptionsFrom(settings.Relay), settings.IsOneShot, Log.Level)
                {
                    LogFormat = Log.Format,
                    LogTimestamps = Log.Timestamps,
                    ServesMetrics = metricsSocket is not null,
                    RunAs = settings.RunAs,
                };

                // With -C there is one rule, so one connector: it now holds its own copy of the
                // pre-connected socket, and ours closes with this scope.
                group.Channel.Send(HandoverMessageKind.Settings, connectorSettings.Format(), preconnected?.Number ?? -1);
            }

            preconnected?.Dispose();
            if (settings.Listen is ListenSource.PreacceptedDescriptor)
            {
                // The connector now holds its own copy of the client; ours is closed at once.
                groups[0].Channel.Send(HandoverMessageKind.Client, descriptor: listenSides[0].Socket.Number);
                listenSides[0].Socket.Dispose();
            }
            else
            {
                for (int i = 0; i < rules.Count; i++)
                {
                    string where = listenSides[i].Namespace is { } ns ? $" in netns {ns.Description}" : string.Empty;
                    string name = rules[i].Name is { } ruleName ? $"[{ruleName}] " : string.Empty;
                    Log.Debug($"{name}listening on {SocketNames.Local(listenSides[i].Socket.Number)}{where}");
                }

                acceptLoop!.Run(settings.IsOneShot ? 1 : null);
                foreach (var (_, socket) in listenSides)
                {
                    socket.Dispose();
                }
            }

            supervisor.ExpectFinish();

            // After a stop signal the open connections get the drain time; after the last client
            // of a one-shot bridge, that client gets all the time it needs.
            var drain = supervisor.IsStopping ? settings.DrainTimeout : Timeout.InfiniteTimeSpan;
            foreach (var group in groups)
            {
                SendEnd(group, drain);
            }
        }
        catch (SyscallException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
        {
            // A connector is gone; the supervisor reports why and ends the process.
        }

        supervisor.WaitForConnectors();
        return 1;
    }

    /// <summary>
    /// Namespaces entered, sockets bound, connectors started: nothing the listener does from here
    /// on needs a privilege. If the drop fails, the connectors (which have no settings yet) are
    /// ended too, so that the failure stays one line; one we may no longer signal, half-dropped,
    /// ends when our end of its channel closes with us.
    /// </summary>
    private static void DropPrivileges(RunAsUser user, List<ConnectorGroup> groups)
    {
        try
        {
            PrivilegeDrop.To(user, "listener part");
        }
        catch
        {
            foreach (var group in groups)
            {
                if (group.Process.TrySignal(Libc.SIGKILL))
                {
                    _ = group.Process.WaitForExit();
                }
            }

            throw;
        }
    }

    private static void SendEnd(ConnectorGroup group, TimeSpan drain)
    {
        try
        {
            group.Channel.Send(HandoverMessageKind.End, EndRecord.Format(drain));
        }
        catch (SyscallException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
        {
            // That connector is gone already (reset by a second signal): nothing to tell it.
        }
    }

    private static List<AcceptSource> AcceptSources(
        IReadOnlyList<ForwardRule> rules,
        List<(NetworkNamespace? Namespace, FileDescriptor Socket)> listenSides,
        List<ConnectorGroup> groups)
    {
        var sources = new List<AcceptSource>(rules.Count);
        for (int i = 0; i < rules.Count; i++)
        {
            var group = groups.Single(g => g.RuleIndexes.Contains(i));
            sources.Add(new AcceptSource(listenSides[i].Socket, group.Channel, ClientRecordText.Prepared(group.RouteOf(i))));
        }

        return sources;
    }

    private static ListenSource ResolveSocketActivation(ListenSource source) => source switch
    {
        ListenSource.SocketActivated activated when SocketActivation.IsListening(activated.Fd) => new ListenSource.ListeningDescriptor(activated.Fd),
        ListenSource.SocketActivated activated => new ListenSource.PreacceptedDescriptor(activated.Fd),
        _ => source,
    };

    // For the service manager's status line (systemctl status), one part per rule, e.g.
    // "listening on 127.0.0.1:8080, forwarding to 127.0.0.1:80 from netns 'web' (/run/netns/web)".
    private static string DescribeService(
        IReadOnlyList<ForwardRule> rules,
        List<(NetworkNamespace? Namespace, FileDescriptor Socket)> listenSides,
        List<ConnectorGroup> groups)
    {
        var parts = new List<string>(rules.Count);
        for (int i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            string listening = rule.Listen is ListenSource.PreacceptedDescriptor
                ? $"serving one client (fd {listenSides[i].Socket.Number})"
                : $"listening on {SocketNames.Local(listenSides[i].Socket.Number)}{InNamespace(listenSides[i].Namespace)}";
            string target = rule.Connect switch
            {
                ConnectTarget.Address address => TcpAddress.Format(address.Endpoint),
                ConnectTarget.HostName name => $"{name.Host}:{name.Port}",
                ConnectTarget.ConnectedDescriptor descriptor => $"a pre-connected socket (fd {descriptor.Fd})",
                _ => "?",
            };
            var connectNamespace = groups.Single(g => g.RuleIndexes.Contains(i)).Namespace;
            string from = connectNamespace is null ? string.Empty : $" from netns {connectNamespace.Description}";
            parts.Add($"{(rule.Name is null ? string.Empty : $"[{rule.Name}] ")}{listening}, forwarding to {target}{from}");
        }

        return string.Join("; ", parts);
    }

    private static string InNamespace(NetworkNamespace? ns) => ns is null ? string.Empty : $" in netns {ns.Description}";

    private static FileDescriptor OpenClientSource(ForwardRule rule, NetworkNamespace? listenNamespace, int backlog)
    {
        switch (rule.Listen)
        {
            case ListenSource.Address address:
                // The socket joins the namespace of the thread that creates it, for good; binding
                // and accepting can then happen on any thread.
                var socket = NamespaceThread.Run(listenNamespace, "listen", () => ListeningSocket.CreateSocket(address.Endpoint));
                try
                {
                    ListeningSocket.BindAndListen(socket, address.Endpoint, rule.DualStack, backlog);
                    if (address.Endpoint is System.Net.Sockets.UnixDomainSocketEndPoint unix)
                    {
                        if (rule.UnixSocketMode is { } mode)
                        {
                            UnixSocketFile.SetMode(unix, mode);
                        }

                        if (rule.UnixSocketOwner is { } owner)
                        {
                            UnixSocketFile.SetOwner(unix, owner);
                        }
                    }

                    return socket;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

            case ListenSource.ListeningDescriptor listening:
                var inherited = InheritedSocket.TakeOver(listening.Fd, InheritedSocketRole.Listening, "-L/--listen-fd");
                ListeningSocket.EnableNoDelay(inherited);
                return inherited;
            case ListenSource.PreacceptedDescriptor preaccepted:
                return InheritedSocket.TakeOver(preaccepted.Fd, InheritedSocketRole.Connected, "-S/--preaccepted-fd");
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule.Listen, "unknown listen source");
        }
    }
}
