using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>Asks the configured nameservers one question, the way resolv.conf(5) describes.</summary>
/// <remarks>
/// <c>attempts</c> rounds; in each round the nameservers in file order, each waited for
/// <c>timeout</c> seconds. The first final word (addresses, no data, no such name) ends it; any
/// other outcome moves on to the next nameserver. Every try waits <c>timeout</c>, as resolv.conf(5)
/// describes; glibc instead waits (timeout &lt;&lt; round) / nameservers in rounds after the first.
/// </remarks>
internal static class DnsClient
{
    /// <summary>The final reply, or null when no nameserver gave one (the reasons are in <paramref name="trail"/>).</summary>
    public static DnsReply? Ask(ResolverConfig config, string name, DnsRecordType type, ServerTrail trail)
    {
        for (int attempt = 0; attempt < config.Attempts; attempt++)
        {
            foreach (var server in config.Nameservers)
            {
                var reply = DnsExchange.Ask(server, name, type, config.Timeout);
                Log.Debug($"dns: {type} {name} from {server.Address}: {(reply is DnsReply.Addresses found ? string.Join(", ", found.List) : reply.Describe())}");
                if (reply.IsFinal)
                {
                    return reply;
                }

                trail.Record(server, reply);
            }
        }

        return null;
    }
}
