using System.Net;
using NetnsTcpBridge.Endpoints.Dns;
using Xunit;
using static NetnsTcpBridge.Tests.Endpoints.Dns.LoopbackDnsServer;

namespace NetnsTcpBridge.Tests.Endpoints.Dns;

/// <summary>
/// One question to one nameserver over real loopback sockets in the test's own namespace. Timeouts
/// are generous; no test asserts how long anything took.
/// </summary>
public sealed class DnsExchangeTests
{
    private const string Name = "backend.test";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Answer_GivesTheAddresses()
    {
        using var server = new LoopbackDnsServer(query => [new(AnswerA(query, "10.1.2.3"))]);

        AssertAddresses(DnsExchange.Ask(server.Endpoint, Name, DnsRecordType.A, Timeout), "10.1.2.3");
    }

    [Fact]
    public void DatagramWithAnotherId_IsIgnored_AndTheRealAnswerTaken()
    {
        using var server = new LoopbackDnsServer(query =>
        [
            new(AnswerA(query with { Id = (ushort)(query.Id ^ 0x5555) }, "10.6.6.6")),
            new(AnswerA(query, "10.1.2.3")),
        ]);

        AssertAddresses(DnsExchange.Ask(server.Endpoint, Name, DnsRecordType.A, Timeout), "10.1.2.3");
    }

    [Fact]
    public void AnswerFromAnotherPort_NeverArrives_AndTheRealAnswerIsTaken()
    {
        using var server = new LoopbackDnsServer(query =>
        [
            new(AnswerA(query, "10.6.6.6"), FromAnotherPort: true),
            new(AnswerA(query, "10.1.2.3")),
        ]);

        AssertAddresses(DnsExchange.Ask(server.Endpoint, Name, DnsRecordType.A, Timeout), "10.1.2.3");
    }

    [Fact]
    public void TruncatedAnswer_IsAskedAgainOverTcp()
    {
        using var server = new LoopbackDnsServer(
            query => [new(new DnsMessageBuilder(query.Id, extraFlags: DnsMessageBuilder.TC).Question(query.Name, query.Type).ToArray())],
            query => AnswerA(query, "10.1.2.3", "10.1.2.4"));

        AssertAddresses(DnsExchange.Ask(server.Endpoint, Name, DnsRecordType.A, Timeout), "10.1.2.3", "10.1.2.4");
    }

    [Fact]
    public void TruncatedAnswerWithoutTcp_SaysConnectionRefused()
    {
        using var server = new LoopbackDnsServer(
            query => [new(new DnsMessageBuilder(query.Id, extraFlags: DnsMessageBuilder.TC).Question(query.Name, query.Type).ToArray())]);

        var reply = Assert.IsType<DnsReply.NoAnswer>(DnsExchange.Ask(server.Endpoint, Name, DnsRecordType.A, Timeout));
        Assert.Contains("refused", reply.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SilentServer_TimesOut()
    {
        using var server = new LoopbackDnsServer(_ => []);

        var reply = Assert.IsType<DnsReply.NoAnswer>(DnsExchange.Ask(server.Endpoint, Name, DnsRecordType.A, TimeSpan.FromSeconds(1)));
        Assert.Equal("timeout after 1 s", reply.Reason);
        Assert.Equal(1, server.QueryCount);
    }

    [Fact]
    public void NothingListening_IsConnectionRefused()
    {
        IPEndPoint closed;
        using (var server = new LoopbackDnsServer(_ => []))
        {
            closed = server.Endpoint;
        }

        var reply = Assert.IsType<DnsReply.NoAnswer>(DnsExchange.Ask(closed, Name, DnsRecordType.A, Timeout));
        Assert.Contains("connection refused", reply.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GarbageWithTheRightId_IsMalformed_NotAWait()
    {
        using var server = new LoopbackDnsServer(query =>
        [
            new(new DnsMessageBuilder(query.Id, answers: 1).Question(query.Name, query.Type).Bytes(0xC0).ToArray()),
        ]);

        Assert.IsType<DnsReply.Malformed>(DnsExchange.Ask(server.Endpoint, Name, DnsRecordType.A, Timeout));
    }

    [Fact]
    public void EachQuery_HasAFreshId()
    {
        var ids = new List<ushort>();
        using var server = new LoopbackDnsServer(query =>
        {
            lock (ids)
            {
                ids.Add(query.Id);
            }

            return [new(AnswerA(query, "10.1.2.3"))];
        });

        for (int i = 0; i < 8; i++)
        {
            DnsExchange.Ask(server.Endpoint, Name, DnsRecordType.A, Timeout);
        }

        Assert.True(ids.Distinct().Count() > 1, $"ids: {string.Join(", ", ids)}");
    }

    internal static byte[] AnswerA(Query query, params string[] addresses)
    {
        var builder = new DnsMessageBuilder(query.Id, answers: addresses.Length).Question(query.Name, query.Type);
        foreach (string address in addresses)
        {
            builder.RecordAt(DnsMessageBuilder.QuestionNameOffset, query.Type, IPAddress.Parse(address).GetAddressBytes());
        }

        return builder.ToArray();
    }

    private static void AssertAddresses(DnsReply reply, params string[] addresses) =>
        Assert.Equal([.. addresses.Select(IPAddress.Parse)], Assert.IsType<DnsReply.Addresses>(reply).List);
}
