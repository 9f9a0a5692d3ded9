using System.Net;
using NetnsTcpBridge.Endpoints.Dns;
using Xunit;
using static NetnsTcpBridge.Tests.Endpoints.Dns.LoopbackDnsServer;

namespace NetnsTcpBridge.Tests.Endpoints.Dns;

/// <summary>Search list, nameserver order and error messages, against scripted nameservers on loopback.</summary>
public sealed class DnsResolverTests
{
    private const ushort TypeA = 1;
    private const ushort TypeAaaa = 28;

    [Fact]
    public void SearchDomain_IsAppended_AndBothAAndAaaaAreAsked()
    {
        using var server = new LoopbackDnsServer(query => query.Name switch
        {
            "backend.a.test" when query.Type == TypeA => [new(DnsExchangeTests.AnswerA(query, "10.1.2.3"))],
            "backend.a.test" => [new(DnsExchangeTests.AnswerA(query, "fd00::3"))],
            _ => [new(NxDomain(query))],
        });

        var addresses = DnsResolver.Resolve("backend", Config([server.Endpoint], "a.test"));

        Assert.Equal([IPAddress.Parse("10.1.2.3"), IPAddress.Parse("fd00::3")], addresses);
    }

    [Fact]
    public void SilentFirstNameserver_TheSecondAnswers()
    {
        using var silent = new LoopbackDnsServer(_ => []);
        using var server = new LoopbackDnsServer(query => query.Type == TypeA ? [new(DnsExchangeTests.AnswerA(query, "10.1.2.3"))] : [new(NoData(query))]);

        var addresses = DnsResolver.Resolve("backend.test", Config([silent.Endpoint, server.Endpoint]));

        Assert.Equal([IPAddress.Parse("10.1.2.3")], addresses);
    }

    [Fact]
    public void NxDomainEverywhere_SaysNoSuchHost_NamingTheNamesAndNameservers()
    {
        using var server = new LoopbackDnsServer(query => [new(NxDomain(query))]);

        var error = Assert.Throws<BridgeException>(() => DnsResolver.Resolve("backend", Config([server.Endpoint], "a.test")));

        Assert.Equal(
            "cannot resolve host 'backend' in the connect netns: no such host (asked 127.0.0.1 for backend.a.test, backend); nameservers from /etc/netns/test/resolv.conf",
            error.Message);
    }

    [Fact]
    public void NameWithoutAddresses_SaysSo()
    {
        using var server = new LoopbackDnsServer(query => [new(NoData(query))]);

        var error = Assert.Throws<BridgeException>(() => DnsResolver.Resolve("backend.test", Config([server.Endpoint])));

        Assert.Contains("it has no IPv4 or IPv6 address (asked 127.0.0.1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoAnswerAtAll_NamesEachNameserverAndWhy_AndStopsTheSearch()
    {
        using var silent = new LoopbackDnsServer(_ => []);
        using var failing = new LoopbackDnsServer(query => [new(new DnsMessageBuilder(query.Id, rcode: 5, questions: 0).ToArray())]);

        var error = Assert.Throws<BridgeException>(() => DnsResolver.Resolve("backend", Config([silent.Endpoint, failing.Endpoint], "a.test", "b.test")));

        Assert.Equal(
            "cannot resolve host 'backend' in the connect netns: no answer from 127.0.0.1 (timeout after 1 s, 2 tries), 127.0.0.1 (answered REFUSED, 2 tries); nameservers from /etc/netns/test/resolv.conf",
            error.Message);
        Assert.Equal(2, silent.QueryCount); // two attempts for backend.a.test, A only; then it stopped
    }

    [Fact]
    public void ServerFailure_MovesOnToTheNextSearchName()
    {
        using var server = new LoopbackDnsServer(query => query.Name == "backend.b.test"
            ? [new(query.Type == TypeAaaa ? NoData(query) : DnsExchangeTests.AnswerA(query, "10.1.2.3"))]
            : [new(new DnsMessageBuilder(query.Id, rcode: 2).Question(query.Name, query.Type).ToArray())]);

        var addresses = DnsResolver.Resolve("backend", Config([server.Endpoint], "a.test", "b.test"));

        Assert.Equal([IPAddress.Parse("10.1.2.3")], addresses);
    }

    private static ResolverConfig Config(IReadOnlyList<IPEndPoint> servers, params string[] search) =>
        new("/etc/netns/test/resolv.conf", servers, search, 1, TimeSpan.FromSeconds(1), 2, []);

    private static byte[] NxDomain(Query query) => new DnsMessageBuilder(query.Id, rcode: 3).Question(query.Name, query.Type).ToArray();

    private static byte[] NoData(Query query) => new DnsMessageBuilder(query.Id).Question(query.Name, query.Type).ToArray();
}
