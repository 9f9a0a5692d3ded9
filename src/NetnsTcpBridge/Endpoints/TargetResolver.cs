using System.Net;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Namespaces;

namespace NetnsTcpBridge.Endpoints;

/// <summary>Turns a host name into the addresses to connect to, as seen from the connect namespace.</summary>
/// <remarks>
/// Exactly what a program started with <c>ip netns exec NAME</c> would get: when the namespace was
/// given by its <c>ip netns</c> name, the files of <c>/etc/netns/NAME/</c> stand for their
/// namesakes in /etc (<see cref="EtcNetnsView"/>), and glibc's getaddrinfo does the rest, with every
/// resolv.conf option, nsswitch.conf and the hosts file as the system has them. It must be the
/// synchronous getaddrinfo: it runs on the calling thread, so its DNS queries leave from that
/// thread's namespace, whereas .NET's asynchronous lookups run elsewhere and would not.
/// Call it on a thread that ends afterwards (<see cref="NamespaceThread.RunOnEndingThread"/>):
/// the view of /etc cannot be taken back.
/// </remarks>
public static class TargetResolver
{
    /// <summary>Addresses kept of a host name, in getaddrinfo's order.</summary>
    public const int MaxAddresses = 16;

    public static IReadOnlyList<IPEndPoint> Resolve(string host, int port, string? namespaceName)
    {
        string? files = null;
        if (namespaceName is not null && Directory.Exists($"/etc/netns/{namespaceName}") && EtcNetnsView.TryApply(namespaceName))
        {
            files = $"/etc/netns/{namespaceName}/";
        }

        var addresses = SystemResolver.Resolve(host, files is null ? null : $"with the files of {files}");
        if (addresses.Count == 0)
        {
            throw new BridgeException($"cannot resolve host '{host}' in the connect netns: it has no IPv4 or IPv6 address");
        }

        if (addresses.Count > MaxAddresses)
        {
            // Each is tried in turn for every client, and all travel to the connector in one record.
            Log.Debug($"{host} has {addresses.Count} addresses: keeping the first {MaxAddresses}");
            addresses = addresses[..MaxAddresses];
        }

        return [.. addresses.Select(address => new IPEndPoint(address, port))];
    }
}
