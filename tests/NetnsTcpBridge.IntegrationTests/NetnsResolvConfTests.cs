using System.Net;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// Host names resolved with the files of <c>/etc/netns/NAME/</c>, as `ip netns exec NAME` would:
/// glibc's resolver, a nameserver the test runs inside the connect netns (on 127.0.0.53:53 or
/// [::1]:53, which exist nowhere else), the bridge started with <c>--connect-netns NAME</c>.
/// </summary>
public sealed class NetnsResolvConfTests : IntegrationTest
{
    private static readonly IPAddress NameserverAddress = IPAddress.Parse("127.0.0.53");

    public NetnsResolvConfTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task HostNameAnsweredByTheNameserverOfEtcNetnsResolvConf_IsAskedFromTheConnectNetnsAndRelays() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var nameserver = Track(DnsResponder.Start(connectSide, NameserverAddress, Records(("backend.test", "127.0.0.1"))));

        // The first nameserver has nothing listening: the client moves on to the second.
        Track(new EtcNetnsFiles(connectSide)).Write("resolv.conf", "# test\nnameserver 127.0.0.55\nnameserver 127.0.0.53\n");

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "backend.test:9000", "--connect-netns", connectSide.Name, "-v"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 51);
        Assert.Contains("backend.test resolved to 127.0.0.1:9000", bridge.Stderr, StringComparison.Ordinal);
        Assert.Contains("udp A backend.test", nameserver.Questions);
        Assert.Contains("udp AAAA backend.test", nameserver.Questions);
    });

    [NamespaceFact]
    public Task SearchDomainAndIPv6Nameserver_AnswerAAndAaaa_IPv6FirstWhereItHasARoute() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, LoopbackV6(9000));
        StartEchoServer(connectSide, Loopback(9000));
        var nameserver = Track(DnsResponder.Start(connectSide, IPAddress.IPv6Loopback, Records(("backend.example.test", "127.0.0.1"), ("backend.example.test", "::1"))));
        Track(new EtcNetnsFiles(connectSide)).Write("resolv.conf", "nameserver ::1\nsearch example.test\noptions ndots:1 timeout:5 attempts:2\n");

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "backend:9000", "--connect-netns", connectSide.Name, "-v"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 52);
        Assert.Contains("backend resolved to [::1]:9000, 127.0.0.1:9000", bridge.Stderr, StringComparison.Ordinal);
        Assert.Contains("udp A backend.example.test", nameserver.Questions);
    });

    [NamespaceFact]
    public Task IPv6AddressWithoutARouteInTheConnectNetns_ComesAfterIPv4() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        Track(DnsResponder.Start(connectSide, NameserverAddress, Records(("backend.test", "2001:db8::1"), ("backend.test", "127.0.0.1"))));
        Track(new EtcNetnsFiles(connectSide)).Write("resolv.conf", "nameserver 127.0.0.53\n");

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "backend.test:9000", "--connect-netns", connectSide.Name, "-v"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 55);
        Assert.Contains("backend.test resolved to 127.0.0.1:9000, [2001:db8::1]:9000", bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task AnswerTruncatedOverUdp_IsAskedAgainOverTcp_ForARule() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var nameserver = Track(DnsResponder.Start(connectSide, NameserverAddress, Records(("big.test", "127.0.0.1")), truncatedOverUdp: new HashSet<string> { "big.test" }, withTcp: true));
        Track(new EtcNetnsFiles(connectSide)).Write("resolv.conf", "nameserver 127.0.0.53\n");

        var bridge = StartBridge(["--rule", $"name=big,listen=127.0.0.1:8000,listen-netns={listenSide.Name},connect=big.test:9000,connect-netns={connectSide.Name}", "-v"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 53);
        Assert.Contains("udp A big.test", nameserver.Questions);
        Assert.Contains("tcp A big.test", nameserver.Questions);
    });

    [NamespaceFact]
    public Task NxDomain_ExitsOneWithOneLineNamingTheHostAndTheFilesUsed() => WithTimeout(async () =>
    {
        var connectSide = CreateNamespace();
        var nameserver = Track(DnsResponder.Start(connectSide, NameserverAddress, Records(("backend.test", "127.0.0.1"))));
        Track(new EtcNetnsFiles(connectSide)).Write("resolv.conf", "nameserver 127.0.0.53\nsearch example.test\n");

        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "-c", "absent:9000", "--connect-netns", connectSide.Name]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        string expected = $"cannot resolve host 'absent' in the connect netns with the files of /etc/netns/{connectSide.Name}/: Name or service not known; check the name, or give an address";
        Assert.Equal([$"netns_tcp_bridge: error: {expected}"], ErrorLines(bridge));
        Assert.Contains("udp A absent.example.test", nameserver.Questions);
    });

    [NamespaceFact]
    public Task SilentAndAbsentNameservers_ExitOneSayingTheFailureIsTemporary() => WithTimeout(async () =>
    {
        var connectSide = CreateNamespace();
        var silent = Track(DnsResponder.StartSilent(connectSide, IPAddress.Parse("127.0.0.54")));
        Track(new EtcNetnsFiles(connectSide)).Write("resolv.conf", "nameserver 127.0.0.54\nnameserver 127.0.0.55\noptions timeout:1 attempts:1\n");

        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "-c", "backend.test:9000", "--connect-netns", connectSide.Name]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        string line = Assert.Single(ErrorLines(bridge));
        Assert.Contains($"cannot resolve host 'backend.test' in the connect netns with the files of /etc/netns/{connectSide.Name}/: Temporary failure in name resolution", line, StringComparison.Ordinal);
        Assert.Contains("udp A backend.test", silent.Questions);
    });

    [NamespaceFact]
    public Task EtcNetnsHosts_StillWinsOverTheNameservers() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var nameserver = Track(DnsResponder.Start(connectSide, NameserverAddress, Records(("backend.test", "127.0.0.9"))));
        Track(new EtcNetnsFiles(connectSide))
            .Write("hosts", "127.0.0.1 backend.test\n")
            .Write("resolv.conf", "nameserver 127.0.0.53\n");

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "backend.test:9000", "--connect-netns", connectSide.Name, "-v"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 54);
        Assert.Contains("backend.test resolved to 127.0.0.1:9000", bridge.Stderr, StringComparison.Ordinal);
        Assert.Empty(nameserver.Questions);
    });

    private static Dictionary<string, IPAddress[]> Records(params (string Name, string Address)[] records) =>
        records.GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.Select(r => IPAddress.Parse(r.Address)).ToArray());

    // Lines without their RFC 3339 timestamp (there is one unless stderr is the journal).
    private static string[] ErrorLines(BridgeProcess bridge) =>
        [.. bridge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => System.Text.RegularExpressions.Regex.Replace(line, @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", string.Empty))];
}
