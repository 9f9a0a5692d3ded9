using System.Net;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.ProxyProtocol;
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
    /// <summary>
    /// The inode the namespace must have (<c>NETNS=net:[INODE]</c>, as <c>readlink /proc/PID/ns/net</c>
    /// shows it); null accepts whichever namespace the name leads to. A name, path or PID that has
    /// come to mean another namespace (made anew, or a PID reused) is then refused.
    /// </summary>
    public ulong? ExpectedInode { get; init; }

    /// <summary>An nsfs file such as <c>/proc/PID/ns/net</c> or <c>/run/netns/NAME</c> (<c>-f</c>, <c>-t</c>).</summary>
    public sealed record File(string Path) : NamespaceReference;

    /// <summary>An inherited descriptor of such a file (<c>-F</c>, <c>-T</c>).</summary>
    public sealed record Descriptor(int Fd) : NamespaceReference;

    /// <summary>An <c>ip netns</c> name: <c>/run/netns/NAME</c>.</summary>
    public sealed record Named(string Name) : NamespaceReference;

    /// <summary>
    /// The network namespace of a running process: <c>/proc/PID/ns/net</c>. With
    /// <paramref name="StartTime"/> (field 22 of <c>/proc/PID/stat</c>, <c>pid:PID@STARTTIME</c>)
    /// only the process that started then: a PID reused after a restart is refused.
    /// </summary>
    public sealed record OfProcess(int Pid, ulong? StartTime = null) : NamespaceReference;
}

/// <summary>
/// One forward: where clients come from and where they go, each side in its own namespace.
/// A bridge runs one (from <c>-l</c>/<c>-c</c> and friends) or several (<c>--rule</c>, <c>--config</c>).
/// </summary>
/// <param name="Name">Shown on every log line about the rule's clients; null for the single unnamed forward.</param>
public sealed record ForwardRule(
    string? Name,
    ListenSource Listen,
    ConnectTarget Connect,
    NamespaceReference? ListenNamespace,
    NamespaceReference? ConnectNamespace)
{
    /// <summary>TCP, or UDP when both addresses were written as <c>udp:</c> ones.</summary>
    public ForwardProtocol Protocol { get; init; }

    /// <summary>True for a UDP forward (<c>udp:</c> addresses).</summary>
    public bool IsUdp => Protocol == ForwardProtocol.Udp;

    /// <summary>File mode for a listening UNIX path socket; null leaves what the umask gives.</summary>
    public UnixFileMode? UnixSocketMode { get; init; }

    /// <summary>For an IPv6 listen address: true accepts IPv4 clients too, false IPv6 only, null the kernel's default (net.ipv6.bindv6only).</summary>
    public bool? DualStack { get; init; }

    /// <summary>Owner and group for a listening UNIX path socket; null leaves the process's own.</summary>
    public FileOwner? UnixSocketOwner { get; init; }

    /// <summary>True when the rule listens on a UNIX socket file (not an abstract name, not TCP).</summary>
    public bool ListensOnSocketFile =>
        Listen is ListenSource.Address { Endpoint: System.Net.Sockets.UnixDomainSocketEndPoint unix } && Endpoints.UnixAddress.FilePath(unix) is not null;

    /// <summary>The PROXY protocol header written to the target for this rule's clients (<c>--proxy-protocol</c>, key proxy-protocol).</summary>
    public ProxyProtocolVersion SendProxyHeader { get; init; }

    /// <summary>This rule's clients start with a PROXY header from a trusted proxy (<c>--accept-proxy</c>, key accept-proxy).</summary>
    public bool AcceptProxyHeader { get; init; }

    /// <summary>With <see cref="AcceptProxyHeader"/>: the peers it is read from, others refused (<c>--accept-proxy-from</c>, key accept-proxy-from); null trusts every peer.</summary>
    public TrustedProxies? AcceptProxyFrom { get; init; }

    /// <summary>True when the rule listens on a UNIX socket (a file or an abstract name), whose clients have no IP address.</summary>
    public bool ListensOnUnixSocket => Listen is ListenSource.Address { Endpoint: System.Net.Sockets.UnixDomainSocketEndPoint };

    /// <summary>The rule as named in messages: "rule 'web'", or "the forward".</summary>
    public string Description => Name is null ? "the forward" : $"rule '{Name}'";
}

/// <summary>Everything the bridge needs to run, already checked for consistency by whoever built it.</summary>
/// <param name="Rules">
/// Every forward the bridge runs, in order: the single forward of <c>-l</c>/<c>-c</c> (unnamed),
/// or the named rules of <c>--rule</c> and <c>--config</c>. Never empty.
/// </param>
public sealed record BridgeSettings(IReadOnlyList<ForwardRule> Rules)
{
    public IReadOnlyList<ForwardRule> Rules { get; init => field = ValueList.Of(value); } = ValueList.Of(Rules);

    /// <summary>How the connectors relay: copy method, threads, timeouts, limits. Their routes come from <see cref="Rules"/>.</summary>
    public RelayOptions Relay { get; init; } = new();

    /// <summary>True for the original's single forward (<c>-l</c>/<c>-c</c>), false for named rules.</summary>
    public bool IsSingleForward => Rules is [{ Name: null }];

    /// <summary>Backlog of a listening socket the bridge creates (<c>-l</c>, and each rule's listen address); the kernel caps it at net.core.somaxconn.</summary>
    public int Backlog { get; init; } = Endpoints.ListeningSocket.DefaultBacklog;

    /// <summary>After a stop signal, how long open connections may go on before they are reset.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the counters are served in OpenMetrics text; null for no endpoint.</summary>
    public MetricsEndpoint? Metrics { get; init; }

    /// <summary>The user every part switches to once namespaces are entered and sockets bound; null stays as started.</summary>
    public RunAsUser? RunAs { get; init; }

    /// <summary>Stop (as on SIGTERM) when a process in <see cref="NamespaceOwners"/> exits.</summary>
    public bool ExitWithNamespaceOwner { get; init; }

    /// <summary>The processes whose namespaces were named by PID (<c>pid:PID</c>, <c>/proc/PID/ns/net</c>), in every rule, each once.</summary>
    public IReadOnlyList<NamespaceOwner> NamespaceOwners =>
        [.. Rules.SelectMany(rule => new[] { NamespaceOwner.Of(rule.ListenNamespace, "listen"), NamespaceOwner.Of(rule.ConnectNamespace, "connect") })
            .OfType<NamespaceOwner>()
            .DistinctBy(owner => owner.Pid)];

    /// <summary>True when some forward relays UDP.</summary>
    public bool HasUdp => Rules.Any(rule => rule.IsUdp);

    /// <summary>True when no namespace was named at all: the bridge is a plain forwarder within one namespace.</summary>
    public bool IsPlainForwarder => Rules.All(rule => rule.ListenNamespace is null && rule.ConnectNamespace is null);

    /// <summary>True when only one client is served (<c>-S</c> or <c>-C</c>), after which the bridge exits.</summary>
    public bool IsOneShot => Rules[0].Listen is ListenSource.PreacceptedDescriptor || Rules[0].Connect is ConnectTarget.ConnectedDescriptor;
}
