using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.ProxyProtocol;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>
/// The options that set something of one forward (--unix-mode, --unix-owner, --dual-stack,
/// --proxy-protocol, --accept-proxy, --accept-proxy-from): the single forward's own settings, and
/// with rules the default of each rule that does not set its own. One path for both, so that a
/// single forward is a rule like any other from here on.
/// </summary>
internal sealed record RuleDefaults(
    UnixFileMode? UnixMode,
    FileOwner? UnixOwner,
    bool? DualStack,
    ProxyProtocolVersion ProxyProtocol,
    bool AcceptProxy,
    TrustedProxies? AcceptProxyFrom)
{
    /// <summary>
    /// Fills in what <paramref name="rule"/> does not set itself (<paramref name="ownKeys"/>: its
    /// rule keys; none for the single forward), only where it applies: mode and owner to a socket
    /// file, the PROXY settings to TCP, trusted proxies to a header read on an IP address.
    /// </summary>
    public ForwardRule FillIn(ForwardRule rule, IReadOnlySet<string> ownKeys)
    {
        if (rule.ListensOnSocketFile)
        {
            rule = rule with
            {
                UnixSocketMode = ownKeys.Contains("unix-mode") ? rule.UnixSocketMode : UnixMode,
                UnixSocketOwner = ownKeys.Contains("unix-owner") ? rule.UnixSocketOwner : UnixOwner,
            };
        }

        if (!ownKeys.Contains("dual-stack"))
        {
            rule = rule with { DualStack = DualStack };
        }

        if (rule.IsUdp)
        {
            return rule;
        }

        rule = rule with
        {
            SendProxyHeader = ownKeys.Contains("proxy-protocol") ? rule.SendProxyHeader : ProxyProtocol,
            AcceptProxyHeader = ownKeys.Contains("accept-proxy") ? rule.AcceptProxyHeader : AcceptProxy,
        };
        return rule.AcceptProxyHeader && !rule.ListensOnUnixSocket && !ownKeys.Contains("accept-proxy-from")
            ? rule with { AcceptProxyFrom = AcceptProxyFrom }
            : rule;
    }
}
