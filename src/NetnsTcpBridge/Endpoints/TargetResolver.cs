using System.Net;
using NetnsTcpBridge.Endpoints.Dns;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Endpoints;

/// <summary>Turns a host name into the addresses to connect to, as seen from the connect namespace.</summary>
/// <remarks>
/// Called on a thread inside the connect namespace. When the namespace was given by its `ip netns`
/// name, this does what `ip netns exec NAME` arranges with bind mounts, which a multi-threaded
/// process cannot do: <c>/etc/netns/NAME/hosts</c> stands for /etc/hosts, and when
/// <c>/etc/netns/NAME/resolv.conf</c> exists our own DNS client asks its nameservers (the lookup
/// order is "files dns"; nsswitch.conf is not read). Otherwise the lookup is glibc's getaddrinfo,
/// and it must be the synchronous one: it runs on the calling thread, so its DNS queries leave
/// from that namespace, whereas .NET's asynchronous lookups run elsewhere and would not.
/// </remarks>
public static class TargetResolver
{
    private const string HostsPath = "/etc/hosts";

    public static IReadOnlyList<IPEndPoint> Resolve(string host, int port, string? namespaceName)
    {
        string hostsName = host.TrimEnd('.');
        if (namespaceName is not null)
        {
            string namespaceHosts = $"/etc/netns/{namespaceName}/hosts";
            if (HostsFile.Lookup(namespaceHosts, hostsName) is { Count: > 0 } fromHostsFile)
            {
                return [.. fromHostsFile.Select(address => new IPEndPoint(address, port))];
            }

            if (ResolvConfReader.Read($"/etc/netns/{namespaceName}/resolv.conf") is { } config)
            {
                return ResolveWithOwnNameservers(host, port, config, File.Exists(namespaceHosts) ? null : HostsPath);
            }
        }

        var addresses = SystemResolver.Resolve(host);
        return addresses.Count > 0
            ? [.. addresses.Select(address => new IPEndPoint(address, port))]
            : throw new BridgeException($"cannot resolve host '{host}' in the connect netns: it has no IPv4 or IPv6 address");
    }

    // hostsPath: the host's /etc/hosts, which `ip netns exec` leaves visible when the namespace has no hosts file of its own.
    private static List<IPEndPoint> ResolveWithOwnNameservers(string host, int port, ResolverConfig config, string? hostsPath)
    {
        if (hostsPath is not null && HostsFile.Lookup(hostsPath, host.TrimEnd('.')) is { Count: > 0 } fromHostsFile)
        {
            return [.. fromHostsFile.Select(address => new IPEndPoint(address, port))];
        }

        Log.Debug($"dns: resolving {host} with the nameservers of {config.Source}: {config.NameserverList}; search {(config.Search.Count > 0 ? string.Join(" ", config.Search) : "(none)")}, ndots {config.Ndots}, timeout {config.Timeout.TotalSeconds} s, attempts {config.Attempts}{(config.Ignored.Count > 0 ? $"; ignored: {string.Join(", ", config.Ignored)}" : string.Empty)}");
        var addresses = DnsResolver.Resolve(host, config);
        return [.. AddressOrder.Sort(addresses, port).Select(address => new IPEndPoint(address, port))];
    }
}
