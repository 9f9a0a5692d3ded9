using System.Net;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>What a resolv.conf says, with glibc's defaults and limits applied.</summary>
/// <param name="Source">The file it came from, for messages.</param>
/// <param name="Nameservers">Up to three, in file order; port 53.</param>
/// <param name="Search">Domains appended to a name with fewer than <paramref name="Ndots"/> dots, in order.</param>
/// <param name="Ndots">Dots a name needs to be tried as it is before the search list (0 to 15).</param>
/// <param name="Timeout">How long one query waits for one nameserver (1 to 30 s).</param>
/// <param name="Attempts">Rounds over all nameservers before giving up (1 to 5).</param>
/// <param name="Ignored">Keywords and options read but not acted on, for the debug log.</param>
internal sealed record ResolverConfig(
    string Source,
    IReadOnlyList<IPEndPoint> Nameservers,
    IReadOnlyList<string> Search,
    int Ndots,
    TimeSpan Timeout,
    int Attempts,
    IReadOnlyList<string> Ignored)
{
    public const int MaxNameservers = 3;
    public const int DefaultNdots = 1;
    public const int MaxNdots = 15;
    public const int DefaultTimeoutSeconds = 5;
    public const int MaxTimeoutSeconds = 30;
    public const int DefaultAttempts = 2;
    public const int MaxAttempts = 5;
    public const int Port = 53;

    /// <summary>The nameservers as users write them, for messages: "127.0.0.53, ::1".</summary>
    public string NameserverList => string.Join(", ", Nameservers.Select(server => server.Address.ToString()));
}
