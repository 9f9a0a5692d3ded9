using System.Net;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.ProxyProtocol;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// Where the clients of one forwarding rule go: the addresses to try in order (a host name may
/// have resolved to several), and the rule's name for the log. Each client names its route by
/// index (<see cref="HandedOverClient.Route"/>); a bridge with a single forward has route 0 only.
/// </summary>
public sealed record RelayRoute(string? Name, IReadOnlyList<EndPoint> Targets)
{
    /// <summary>The addresses to try, in order; none for the pre-connected socket's route (<c>-C</c>).</summary>
    public IReadOnlyList<EndPoint> Targets { get; init => field = ValueList.Of(value); } = ValueList.Of(Targets);

    /// <summary>The targets for messages, e.g. "127.0.0.1:80 or [::1]:80".</summary>
    public string TargetName { get; } = Targets.Count == 0 ? "the pre-connected socket" : string.Join(" or ", Targets.Select(TcpAddress.Format));

    /// <summary>True when this route relays UDP datagrams (a <c>udp:</c> rule), which the UDP relay serves, not the event loops.</summary>
    public bool Udp { get; init; }

    /// <summary>Put before every per-connection message: the rule's name and a colon, or nothing.</summary>
    public string LogPrefix { get; } = Name is null ? string.Empty : $"[{Name}] ";

    /// <summary>
    /// The PROXY protocol header written to the target once connected, before any byte of the
    /// client: the client's address and the address it connected to (or those a front proxy
    /// announced, with <see cref="AcceptProxyHeader"/>). <see cref="ProxyProtocolVersion.None"/>: none.
    /// </summary>
    public ProxyProtocolVersion SendProxyHeader { get; init; }

    /// <summary>
    /// Every client starts with a PROXY v1 or v2 header from a trusted front proxy: it is read,
    /// and only it, before connecting to the target, and its source address is the client's.
    /// </summary>
    public bool AcceptProxyHeader { get; init; }

    /// <summary>
    /// With <see cref="AcceptProxyHeader"/>: the only peers (the socket's own, before any header)
    /// whose header is read; any other client is reset before a byte of it is read. Null: every
    /// peer is trusted.
    /// </summary>
    public TrustedProxies? AcceptProxyFrom { get; init; }
}
