using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Namespaces;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Systemd;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// The process the user started: sets up the listening side, starts the connector inside the
/// connect namespace, and hands it every accepted client over the channel.
/// </summary>
internal static class ListenerPart
{
    public static int Run(BridgeSettings settings)
    {
        settings = settings with { Listen = ResolveSocketActivation(settings.Listen) };

        // The connector inherits the raised limit; the listener holds one descriptor per client briefly.
        DescriptorLimit.RaiseToHardLimit();

        // Before the namespace files: see NamespaceOwnerWatch for why the order matters.
        using var ownerWatch = settings.ExitWithNamespaceOwner ? NamespaceOwnerWatch.Open(settings.NamespaceOwners) : null;
        using var listenNamespace = OpenNamespace(settings.ListenNamespace, "listen");
        using var connectNamespace = OpenNamespace(settings.ConnectNamespace, "connect");
        ownerWatch?.EnsureAllRunning();
        using var clientSource = OpenClientSource(settings, listenNamespace);
        using var preconnected = settings.Connect is ConnectTarget.ConnectedDescriptor connected
            ? InheritedSocket.TakeOver(connected.Fd, InheritedSocketRole.Connected, "-C/--connect-fd")
            : null;
        using var metricsSocket = MetricsSocket.Open(settings.Metrics, listenNamespace, connectNamespace);

        var targets = ResolveTargets(settings.Connect, settings.ConnectNamespace, connectNamespace);
        var (channel, connectorEnd) = HandoverChannel.CreatePair();
        ConnectorProcess connector;
        using (connectorEnd)
        {
            // The child gets its own copy of this end at fd 3; ours is closed when this block ends,
            // so that the channel reports end-of-file to us if the child dies.
            connector = ConnectorProcess.Start(connectNamespace, connectorEnd.Socket, metricsSocket, noNewPrivileges: settings.RunAs is not null);
        }

        // The connector has its own copy of the metrics socket at fd 4 and alone serves it.
        metricsSocket?.Dispose();

        Log.Debug($"connector part started as pid {connector.Pid}{InNamespace(connectNamespace)}");
        if (settings.RunAs is { } user)
        {
            // Namespaces entered, sockets bound, connector started: nothing the listener does from
            // here on needs a privilege.
            try
            {
                PrivilegeDrop.To(user, "listener part");
            }
            catch
            {
                // End the connector, which has no settings yet, so that the failure stays one line.
                // If we are half-dropped and may no longer signal it, it ends when our end of the
                // channel closes with us.
                if (connector.TrySignal(Libc.SIGKILL))
                {
                    _ = connector.WaitForExit();
                }

                throw;
            }
        }

        if (settings.IsPlainForwarder)
        {
            // Said once everything is set up, so that a failure to start stays a single line.
            Log.Info("no netns option given: running as a plain TCP forwarder in the current network namespace");
        }

        // Only now is the bridge really serving: tell a service manager (NOTIFY_SOCKET), if any.
        ServiceNotifier.Notify("READY=1");

        var acceptLoop = settings.Listen is ListenSource.PreacceptedDescriptor ? null : new AcceptLoop(clientSource, channel);
        using var supervisor = new ConnectorSupervisor(connector, beginDrain: () => acceptLoop?.Stop());
        ownerWatch?.Start(owner => supervisor.RequestStop($"{owner} has exited"));
        try
        {
            var connectorSettings = new ConnectorSettings(WithTargets(settings, targets), settings.IsOneShot, Log.Level)
            {
                ServesMetrics = settings.Metrics is not null,
                RunAs = settings.RunAs,
            };

            // The connector now holds its own copy of the pre-connected socket; ours closes with this scope.
            channel.Send(HandoverMessageKind.Settings, connectorSettings.Format(), preconnected?.Number ?? -1);
            preconnected?.Dispose();

            if (settings.Listen is ListenSource.PreacceptedDescriptor)
            {
                channel.Send(HandoverMessageKind.Client, descriptor: clientSource.Number);
                clientSource.Dispose();
            }
            else
            {
                Log.Debug($"listening on {SocketNames.Local(clientSource.Number)}{InNamespace(listenNamespace)}");
                acceptLoop!.Run(settings.IsOneShot ? 1 : null);
                clientSource.Dispose();
            }

            supervisor.ExpectFinish();

            // After a stop signal the open connections get the drain time; after the last client
            // of a one-shot bridge, that client gets all the time it needs.
            var drain = supervisor.IsStopping ? settings.DrainTimeout : Timeout.InfiniteTimeSpan;
            channel.Send(HandoverMessageKind.End, EndRecord.Format(drain));
        }
        catch (SyscallException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
        {
            // The connector is gone; the supervisor reports why and ends the process.
        }

        supervisor.WaitForConnector();
        return 1;
    }

    private static ListenSource ResolveSocketActivation(ListenSource source) => source switch
    {
        ListenSource.SocketActivated activated when SocketActivation.IsListening(activated.Fd) => new ListenSource.ListeningDescriptor(activated.Fd),
        ListenSource.SocketActivated activated => new ListenSource.PreacceptedDescriptor(activated.Fd),
        _ => source,
    };

    private static IReadOnlyList<EndPoint> ResolveTargets(ConnectTarget connect, NamespaceReference? reference, NetworkNamespace? connectNamespace)
    {
        switch (connect)
        {
            case ConnectTarget.Address address:
                return [address.Endpoint];
            case ConnectTarget.HostName name:
                // Resolved from inside the connect namespace, where the connections will be made.
                string? ipNetnsName = (reference as NamespaceReference.Named)?.Name;
                var resolved = NamespaceThread.Run(connectNamespace, "connect", () => TargetResolver.Resolve(name.Host, name.Port, ipNetnsName));
                Log.Debug($"{name.Host} resolved to {string.Join(", ", resolved.Select(TcpAddress.Format))}");
                return [.. resolved];
            default:
                return [];
        }
    }

    private static RelayOptions WithTargets(BridgeSettings settings, IReadOnlyList<EndPoint> targets) => settings.Relay with
    {
        Target = targets.Count > 0 ? targets[0] : null,
        AlternateTargets = [.. targets.Skip(1)],
    };

    private static NetworkNamespace? OpenNamespace(NamespaceReference? reference, string role) => reference switch
    {
        NamespaceReference.File file => NetworkNamespace.Open(file.Path, role),
        NamespaceReference.Descriptor descriptor => NetworkNamespace.FromInheritedDescriptor(descriptor.Fd, role),
        NamespaceReference.Named named => NetworkNamespace.OpenNamed(named.Name, role),
        NamespaceReference.OfProcess process => NetworkNamespace.OpenOfProcess(process.Pid, role),
        _ => null,
    };

    private static FileDescriptor OpenClientSource(BridgeSettings settings, NetworkNamespace? listenNamespace)
    {
        switch (settings.Listen)
        {
            case ListenSource.Address address:
                // The socket joins the namespace of the thread that creates it, for good; binding
                // and accepting can then happen on any thread.
                var socket = NamespaceThread.Run(listenNamespace, "listen", () => ListeningSocket.CreateSocket(address.Endpoint));
                try
                {
                    ListeningSocket.BindAndListen(socket, address.Endpoint);
                    if (address.Endpoint is System.Net.Sockets.UnixDomainSocketEndPoint unix)
                    {
                        if (settings.UnixSocketMode is { } mode)
                        {
                            UnixSocketFile.SetMode(unix, mode);
                        }

                        if (settings.UnixSocketOwner is { } owner)
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
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Listen, "unknown listen source");
        }
    }

    private static string InNamespace(NetworkNamespace? ns) => ns is null ? string.Empty : $" in netns {ns.Description}";
}
