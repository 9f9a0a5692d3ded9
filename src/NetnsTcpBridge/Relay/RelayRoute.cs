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
    /// <summary>The targets for messages, e.g. "127.0.0.1:80 or [::1]:80".</summary>
    public string TargetName { get; } = Targets.Count == 0 ? "the pre-connected socket" : string.Join(" or ", Targets.Select(TcpAddress.Format));

    /// <summary>True when this route relays UDP datagrams (a <c>udp:</c> rule), which the UDP relay serves, not the event loops.</summary>
    public bool Udp { get; init; }

    /// <summary>Put before every per-connection message: the rule's name and a colon, or nothing.</summary>
    public string LogPrefix { get; } = Name is null ? string.Empty : $"[{Name}] ";

    /// <summary>The PROXY protocol header this rule's clients get written to the target (see <see cref="RelayOptions.SendProxyHeader"/>).</summary>
    public ProxyProtocolVersion SendProxyHeader { get; init; }

    /// <summary>Whether this rule's clients start with a PROXY header to read first (see <see cref="RelayOptions.AcceptProxyHeader"/>).</summary>
    public bool AcceptProxyHeader { get; init; }

    /// <summary>With <see cref="AcceptProxyHeader"/>: the peers it is read from, others refused at once (see <see cref="RelayOptions.AcceptProxyFrom"/>).</summary>
    public TrustedProxies? AcceptProxyFrom { get; init; }
}
