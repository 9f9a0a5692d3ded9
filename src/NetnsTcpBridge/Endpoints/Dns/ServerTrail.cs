using System.Net;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>Why each nameserver gave no final answer, for the one-line error.</summary>
internal sealed class ServerTrail
{
    private readonly List<(IPEndPoint Server, int Tries, DnsReply LastReply)> _failures = [];

    /// <summary>True when every failure so far was a SERVFAIL: the search list may go on, as in glibc.</summary>
    public bool OnlyServerFailures => _failures.All(f => f.LastReply is DnsReply.ServerError { Rcode: DnsWire.SERVFAIL });

    public void Record(IPEndPoint server, DnsReply reply)
    {
        int index = _failures.FindIndex(f => f.Server.Equals(server));
        if (index < 0)
        {
            _failures.Add((server, 1, reply));
        }
        else
        {
            _failures[index] = (server, _failures[index].Tries + 1, reply);
        }
    }

    /// <summary>"127.0.0.53 (timeout after 5 s, 2 tries), ::1 (answered SERVFAIL)".</summary>
    public string Describe() => string.Join(", ", _failures.Select(f =>
        $"{f.Server.Address} ({f.LastReply.Describe()}{(f.Tries > 1 ? $", {f.Tries} tries" : string.Empty)})"));
}
