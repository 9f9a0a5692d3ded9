using System.Net;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>What one exchange with one nameserver produced, for one question.</summary>
internal abstract record DnsReply
{
    private DnsReply()
    {
    }

    /// <summary>NOERROR with at least one address of the type asked for, at the end of any CNAME chain.</summary>
    public sealed record Addresses(IReadOnlyList<IPAddress> List) : DnsReply;

    /// <summary>NOERROR, but no address of that type: the name exists without one.</summary>
    public sealed record NoData : DnsReply;

    /// <summary>NXDOMAIN: the name does not exist.</summary>
    public sealed record NoSuchName : DnsReply;

    /// <summary>The answer did not fit (TC): ask again over TCP.</summary>
    public sealed record Truncated : DnsReply;

    /// <summary>The server answered with an error code other than NXDOMAIN (SERVFAIL, REFUSED, ...).</summary>
    public sealed record ServerError(int Rcode) : DnsReply;

    /// <summary>The message claims to answer our query but cannot be read.</summary>
    public sealed record Malformed(string Reason) : DnsReply;

    /// <summary>Not an answer to this query (another id, not a response, another question): wait on.</summary>
    public sealed record NotOurs(string Reason) : DnsReply;

    /// <summary>Nothing usable came back: timeout, refused, unreachable.</summary>
    public sealed record NoAnswer(string Reason) : DnsReply;

    /// <summary>True when the server gave a final word on the name, so no other server needs to be asked.</summary>
    public bool IsFinal => this is Addresses or NoData or NoSuchName;

    /// <summary>Why this server gave no final word, for the error message.</summary>
    public string Describe() => this switch
    {
        Addresses => "answered",
        NoData => "no address of that type",
        NoSuchName => "no such host (NXDOMAIN)",
        Truncated => "answer truncated",
        ServerError error => $"answered {DnsWire.RcodeName(error.Rcode)}",
        Malformed malformed => $"malformed answer: {malformed.Reason}",
        NotOurs notOurs => $"unrelated answer: {notOurs.Reason}",
        NoAnswer noAnswer => noAnswer.Reason,
        _ => ToString(),
    };
}
