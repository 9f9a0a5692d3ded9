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
/// The first image of the process the user started: sets up the listening side of every rule,
/// starts one connector per connect namespace, hands each its rules' listening sockets, and then
/// replaces itself with the serving listener inside the listen namespace (<see cref="ListenerImage"/>).
/// </summary>
/// <remarks>
/// The handled signals stay blocked here from the executable's first instruction: one that comes
/// during set-up waits, pending in the kernel, for the serving image (see <see cref="ListenerPart"/>).
/// </remarks>
internal static class ListenerSetup
{
    public static int Run(BridgeSettings settings)
    {
        var first = settings.Rules[0];
        settings = settings with { Rules = [first with { Listen = ResolveSocketActivation(first.Listen) }, .. settings.Rules.Skip(1)] };
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

        using var preconnected = rules[0].Connect is ConnectTarget.ConnectedDescriptor connected
            ? InheritedSocket.TakeOver(connected.Fd, InheritedSocketRole.Connected, Setting.ConnectedSocket)
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
            group.Start(statistics: metricsSocket is not null, switchesUser: settings.RunAs is not null);
        }

        try
        {
            HandOverToConnectors(settings, groups, listenSides, preconnected, metricsSocket is not null);
        }
        catch (SyscallException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
        {
            var gone = groups.First(group => group.Process.HasExited());
            throw new BridgeException($"the connector part (pid {gone.Process.Pid}) ended while starting ({gone.Process.WaitForExit()})", e);
        }

        WarnAboutUnixTargetsSeeingRoot(settings);
        if (settings.IsPlainForwarder)
        {
            // Said once everything is set up, so that a failure to start stays a single line.
            Log.Info("no netns option given: forwarding within the current network namespace");
        }

        var handoff = new ListenerHandoff
        {
            LogLevel = Log.Level,
            LogFormat = Log.Format,
            LogTimestamps = Log.Timestamps,
            DrainTimeout = settings.DrainTimeout,
            OneShot = settings.IsOneShot,
            Connectors = [.. groups.Select(group => new ConnectorHandle(group.Process.Pid, group.Channel.Socket.Number, group.StatisticsLink?.Number ?? -1))],
            MetricsFd = metricsSocket?.Number ?? -1,
            NotifyFd = ServiceNotifier.Connect(),
            ServiceStatus = DescribeService(rules, listenSides, groups),
            Owners = ownerWatch?.Pidfds ?? [],
            SocketFiles = UnixSocketFile.RemovedAtExit,
        };
        foreach (var (_, socket) in listenSides)
        {
            socket.Dispose(); // the connectors hold their own copies
        }

        try
        {
            ListenerImage.ReplaceWith(handoff, listenSides[0].Namespace, settings.RunAs);
        }
        catch
        {
            // The connectors have their settings but must not outlive a listener that failed to start.
            KillConnectors(groups);
            throw;
        }

        throw new InvalidOperationException("execve returned without an error");
    }

    /// <summary>
    /// Tells each connector its settings, then gives it the listening sockets of its rules (it
    /// accepts on them itself from then on) or the one pre-accepted client, which is then the
    /// whole of that bridge's work (End follows at once).
    /// </summary>
    private static void HandOverToConnectors(
        BridgeSettings settings,
        List<ConnectorGroup> groups,
        List<(NetworkNamespace? Namespace, FileDescriptor Socket)> listenSides,
        FileDescriptor? preconnected,
        bool servesMetrics)
    {
        bool preaccepted = settings.Rules[0].Listen is ListenSource.PreacceptedDescriptor;
        foreach (var group in groups)
        {
            // Both parts write to the same stderr, so the connector logs as the listener decided.
            var connectorSettings = new ConnectorSettings(group.RelayOptionsFrom(settings.Relay), settings.IsOneShot, Log.Level)
            {
                LogFormat = Log.Format,
                LogTimestamps = Log.Timestamps,
                ServesMetrics = servesMetrics,
                RunAs = settings.RunAs,
                Preaccepted = preaccepted,
            };

            // With -C there is one rule, so one connector: it now holds its own copy of the
            // pre-connected socket, and ours is closed below. The same holds for every socket
            // sent: the kernel gives the connector its own copy.
            group.Channel.Send(HandoverMessageKind.Settings, connectorSettings.Format(), preconnected?.Number ?? -1);
            foreach (int rule in group.RuleIndexes)
            {
                var (listenNamespace, socket) = listenSides[rule];
                if (preaccepted)
                {
                    group.Channel.Send(HandoverMessageKind.Client, descriptor: socket.Number);
                    group.Channel.Send(HandoverMessageKind.End, EndRecord.Format(Timeout.InfiniteTimeSpan));
                    continue;
                }

                string where = listenNamespace is { } ns ? $" in netns {ns.Description}" : string.Empty;
                string name = settings.Rules[rule].Name is { } ruleName ? $"[{ruleName}] " : string.Empty;
                Log.Debug($"{name}listening on {ListeningOn(settings.Rules[rule], socket)}{where}");
                group.Channel.Send(HandoverMessageKind.Listening, group.RouteOf(rule).ToString(System.Globalization.CultureInfo.InvariantCulture), socket.Number);
            }
        }

        preconnected?.Dispose();
    }

    /// <summary>
    /// A UNIX-socket target reads the connecting process's credentials (SO_PEERCRED), and many
    /// grant root everything on that alone (MariaDB's unix_socket, the D-Bus system bus, Docker).
    /// Without --user the connector keeps uid 0, so every client of the bridge would be root to it.
    /// </summary>
    private static void WarnAboutUnixTargetsSeeingRoot(BridgeSettings settings)
    {
        if (settings.RunAs is not null || (Libc.GetEuid() != 0 && Libc.GetUid() != 0))
        {
            return;
        }

        foreach (var rule in settings.Rules)
        {
            if (rule.Connect is ConnectTarget.Address { Endpoint: System.Net.Sockets.UnixDomainSocketEndPoint unix })
            {
                string name = rule.Name is { } ruleName ? $"[{ruleName}] " : string.Empty;
                Log.Warning($"{name}the target {UnixAddress.Format(unix)} sees every client as root (uid 0, the connector's user): a service that trusts its peer's credentials grants them root's rights; give {SettingNames.Of(Setting.User)} a user of its own");
            }
        }
    }

    private static void KillConnectors(List<ConnectorGroup> groups)
    {
        foreach (var group in groups)
        {
            if (group.Process.TrySignal(Libc.SIGKILL))
            {
                _ = group.Process.WaitForExit();
            }
        }
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
                : $"listening on {ListeningOn(rule, listenSides[i].Socket)}{InNamespace(listenSides[i].Namespace)}";
            string udp = rule.IsUdp ? UdpAddress.Prefix : string.Empty;
            string target = rule.Connect switch
            {
                ConnectTarget.Address address => udp + TcpAddress.Format(address.Endpoint),
                ConnectTarget.HostName name => $"{udp}{name.Host}:{name.Port}",
                ConnectTarget.ConnectedDescriptor descriptor => $"a pre-connected socket (fd {descriptor.Fd})",
                _ => "?",
            };
            var connectNamespace = groups.Single(g => g.RuleIndexes.Contains(i)).Namespace;
            string from = connectNamespace is null ? string.Empty : $" from netns {connectNamespace.Description}";
            parts.Add($"{(rule.Name is null ? string.Empty : $"[{rule.Name}] ")}{listening}, forwarding to {target}{from}");
        }

        return string.Join("; ", parts);
    }

    // A UNIX socket is named by the address the user gave: a socket file is bound by its name in
    // its directory, so the kernel's own name for it is not its path.
    private static string ListeningOn(ForwardRule rule, FileDescriptor socket) => rule.Listen switch
    {
        ListenSource.Address { Endpoint: System.Net.Sockets.UnixDomainSocketEndPoint unix } => UnixAddress.Format(unix),
        _ => (rule.IsUdp ? UdpAddress.Prefix : string.Empty) + SocketNames.Local(socket.Number),
    };

    private static string InNamespace(NetworkNamespace? ns) => ns is null ? string.Empty : $" in netns {ns.Description}";

    private static FileDescriptor OpenClientSource(ForwardRule rule, NetworkNamespace? listenNamespace, int backlog)
    {
        switch (rule.Listen)
        {
            case ListenSource.Address udp when rule.IsUdp:
                var datagrams = NamespaceThread.Run(listenNamespace, "listen", () => DatagramSocket.Create(udp.Endpoint));
                try
                {
                    DatagramSocket.Bind(datagrams, udp.Endpoint, rule.DualStack);
                    return datagrams;
                }
                catch
                {
                    datagrams.Dispose();
                    throw;
                }

            case ListenSource.Address address:
                // The socket joins the namespace of the thread that creates it, for good; binding
                // and accepting can then happen on any thread.
                var socket = NamespaceThread.Run(listenNamespace, "listen", () => ListeningSocket.CreateSocket(address.Endpoint));
                try
                {
                    ListeningSocket.BindAndListen(socket, address.Endpoint, rule.DualStack, backlog, new SocketFileAccess(rule.UnixSocketMode, rule.UnixSocketOwner));
                    return socket;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

            case ListenSource.ListeningDescriptor listening:
                var inherited = InheritedSocket.TakeOver(listening.Fd, InheritedSocketRole.Listening, Setting.ListenSocket);
                ListeningSocket.PrepareForAccepting(inherited);
                return inherited;
            case ListenSource.PreacceptedDescriptor preaccepted:
                return InheritedSocket.TakeOver(preaccepted.Fd, InheritedSocketRole.Connected, Setting.PreacceptedSocket);
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule.Listen, "unknown listen source");
        }
    }
}
