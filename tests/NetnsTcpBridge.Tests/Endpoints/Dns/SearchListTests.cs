using System.Net;
using NetnsTcpBridge.Endpoints.Dns;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints.Dns;

public sealed class SearchListTests
{
    [Fact]
    public void NameWithFewerDotsThanNdots_TriesTheSearchDomainsFirst_ThenTheNameAsItIs() =>
        Assert.Equal(["backend.a.test", "backend.b.test", "backend"], SearchList.Candidates("backend", Config(1, "a.test", "b.test")));

    [Fact]
    public void NameWithAtLeastNdotsDots_IsTriedAsItIsFirst() =>
        Assert.Equal(["db.internal", "db.internal.a.test"], SearchList.Candidates("db.internal", Config(1, "a.test")));

    [Fact]
    public void HigherNdots_PutsTheNameAsItIsLast() =>
        Assert.Equal(["db.internal.a.test", "db.internal"], SearchList.Candidates("db.internal", Config(2, "a.test")));

    [Fact]
    public void TrailingDot_MeansExactlyThatName() =>
        Assert.Equal(["backend.test"], SearchList.Candidates("backend.test.", Config(5, "a.test")));

    [Fact]
    public void RootOnTheSearchList_StandsForTheNameAsItIs_InItsPlace() =>
        Assert.Equal(["backend", "backend.a.test"], SearchList.Candidates("backend", Config(1, ".", "a.test.")));

    [Fact]
    public void NoSearchDomains_JustTheName() =>
        Assert.Equal(["backend"], SearchList.Candidates("backend", Config(1)));

    private static ResolverConfig Config(int ndots, params string[] search) =>
        new("test", [new IPEndPoint(IPAddress.Loopback, 53)], search, ndots, TimeSpan.FromSeconds(1), 1, []);
}
