using System.Net;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>
/// Resolves a host name with the nameservers of a namespace's own resolv.conf, as programs run by
/// `ip netns exec NAME` would see it, without entering a mount namespace.
/// </summary>
/// <remarks>
/// Runs on the calling thread and creates its sockets there: call it on a thread inside the connect
/// namespace. For each name of the search list it asks for A records, then AAAA records; a name
/// that does not exist (NXDOMAIN), has no address, or whose nameservers all answered SERVFAIL moves
/// on to the next name; a name no nameserver answered at all ends the search, as in glibc.
/// </remarks>
internal static class DnsResolver
{
    public static IReadOnlyList<IPAddress> Resolve(string host, ResolverConfig config)
    {
        var trail = new ServerTrail();
        var tried = new List<string>();
        bool sawNoData = false;
        bool sawNoSuchName = false;
        foreach (string name in SearchList.Candidates(host, config))
        {
            if (DnsQueryWriter.EncodeName(name) is null)
            {
                continue; // too long with this search domain
            }

            tried.Add(name);
            switch (LookUp(name, config, trail))
            {
                case DnsReply.Addresses found:
                    return found.List;
                case DnsReply.NoData:
                    sawNoData = true;
                    break;
                case DnsReply.NoSuchName:
                    sawNoSuchName = true;
                    break;
                default:
                    if (!trail.OnlyServerFailures)
                    {
                        throw Failure(host, config, $"no answer from {trail.Describe()}");
                    }

                    break;
            }
        }

        string asked = $"asked {config.NameserverList}{(tried.Count == 1 && tried[0] == host.TrimEnd('.') ? string.Empty : $" for {string.Join(", ", tried)}")}";
        string why = sawNoData ? $"it has no IPv4 or IPv6 address ({asked})"
            : sawNoSuchName ? $"no such host ({asked})"
            : tried.Count == 0 ? "it is too long for DNS"
            : $"no answer from {trail.Describe()}";
        throw Failure(host, config, why);
    }

    /// <summary>A, then AAAA: addresses if either has some; null when no nameserver answered.</summary>
    private static DnsReply? LookUp(string name, ResolverConfig config, ServerTrail trail)
    {
        var ipv4 = DnsClient.Ask(config, name, DnsRecordType.A, trail);
        if (ipv4 is null or DnsReply.NoSuchName)
        {
            return ipv4; // the name is absent or unreachable for AAAA as well
        }

        var ipv6 = DnsClient.Ask(config, name, DnsRecordType.AAAA, trail);
        List<IPAddress> addresses = [.. (ipv4 as DnsReply.Addresses)?.List ?? [], .. (ipv6 as DnsReply.Addresses)?.List ?? []];
        return addresses.Count > 0 ? new DnsReply.Addresses(addresses)
            : ipv6 is null ? null
            : new DnsReply.NoData();
    }

    private static BridgeException Failure(string host, ResolverConfig config, string why) =>
        new($"cannot resolve host '{host}' in the connect netns: {why}; nameservers from {config.Source}");
}
