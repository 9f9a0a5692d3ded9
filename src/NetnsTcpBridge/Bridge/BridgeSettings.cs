using System.Net;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Bridge;

/// <summary>Where clients come from.</summary>
public abstract record ListenSource
{
    /// <summary>Listen on an address inside the listen namespace (<c>-l</c>): TCP, or a UNIX socket.</summary>
    public sealed record Address(EndPoint Endpoint) : ListenSource;

    /// <summary>Accept on an inherited listening socket (<c>-L</c>).</summary>
    public sealed record ListeningDescriptor(int Fd) : ListenSource;

    /// <summary>Forward one inherited, already accepted client, then exit (<c>-S</c>).</summary>
    public sealed record PreacceptedDescriptor(int Fd) : ListenSource;

    /// <summary>
    /// The socket a service manager passed (LISTEN_FDS): a listening one (Accept=no) is served like
    /// <c>-L</c>, a connection (Accept=yes) like <c>-S</c>. Which of the two is found out at start.
    /// </summary>
    public sealed record SocketActivated(int Fd) : ListenSource;
}

/// <summary>Where each client is forwarded to.</summary>
public abstract record ConnectTarget
{
    /// <summary>Connect to an address from inside the connect namespace (<c>-c</c>): TCP, or a UNIX socket.</summary>
    public sealed record Address(EndPoint Endpoint) : ConnectTarget;

    /// <summary>
    /// Connect to a host name, resolved inside the connect namespace when the bridge starts; its
    /// addresses are tried in order for each client (<c>-c host:port</c>).
    /// </summary>
    public sealed record HostName(string Host, int Port) : ConnectTarget;

    /// <summary>Forward one client to an inherited, already connected socket, then exit (<c>-C</c>).</summary>
    public sealed record ConnectedDescriptor(int Fd) : ConnectTarget;
}

/// <summary>A network namespace as the user named it.</summary>
public abstract record NamespaceReference
{
    /// <summary>An nsfs file such as <c>/proc/PID/ns/net</c> or <c>/run/netns/NAME</c> (<c>-f</c>, <c>-t</c>).</summary>
    public sealed record File(string Path) : NamespaceReference;

    /// <summary>An inherited descriptor of such a file (<c>-F</c>, <c>-T</c>).</summary>
    public sealed record Descriptor(int Fd) : NamespaceReference;

    /// <summary>An <c>ip netns</c> name: <c>/run/netns/NAME</c>.</summary>
    public sealed record Named(string Name) : NamespaceReference;

    /// <summary>The network namespace of a running process: <c>/proc/PID/ns/net</c>.</summary>
    public sealed record OfProcess(int Pid) : NamespaceReference;
}

/// <summary>Everything the bridge needs to run, already checked for consistency by whoever built it.</summary>
public sealed record BridgeSettings(
    ListenSource Listen,
    ConnectTarget Connect,
    NamespaceReference? ListenNamespace,
    NamespaceReference? ConnectNamespace)
{
    /// <summary>How the connector relays: copy method, threads, connect timeout, keepalive. Its target is ignored: it comes from <see cref="Connect"/>.</summary>
    public RelayOptions Relay { get; init; } = new();

    /// <summary>File mode for a listening UNIX path socket; null leaves what the umask gives.</summary>
    public UnixFileMode? UnixSocketMode { get; init; }

    /// <summary>After a stop signal, how long open connections may go on before they are reset.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Owner and group for a listening UNIX path socket; null leaves the process's own.</summary>
    public FileOwner? UnixSocketOwner { get; init; }

    /// <summary>Where the counters are served in OpenMetrics text; null for no endpoint.</summary>
    public MetricsEndpoint? Metrics { get; init; }

    /// <summary>The user both parts switch to once namespaces are entered and sockets bound; null stays as started.</summary>
    public RunAsUser? RunAs { get; init; }

    /// <summary>Stop (as on SIGTERM) when a process in <see cref="NamespaceOwners"/> exits.</summary>
    public bool ExitWithNamespaceOwner { get; init; }

    /// <summary>The processes whose namespaces were named by PID (<c>pid:PID</c>, <c>/proc/PID/ns/net</c>).</summary>
    public IReadOnlyList<NamespaceOwner> NamespaceOwners =>
        [.. new[] { NamespaceOwner.Of(ListenNamespace, "listen"), NamespaceOwner.Of(ConnectNamespace, "connect") }.OfType<NamespaceOwner>()];

    /// <summary>True when no namespace was named at all: the bridge is a plain TCP forwarder.</summary>
    public bool IsPlainForwarder => ListenNamespace is null && ConnectNamespace is null;

    /// <summary>True when only one client is served (<c>-S</c> or <c>-C</c>), after which the bridge exits.</summary>
    public bool IsOneShot => Listen is ListenSource.PreacceptedDescriptor || Connect is ConnectTarget.ConnectedDescriptor;
}
