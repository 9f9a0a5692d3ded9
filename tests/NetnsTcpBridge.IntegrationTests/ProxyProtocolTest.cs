using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// What the PROXY protocol tests share: a listen namespace with distinct client and listen
/// addresses on lo, clients bound to the client address, curl, and the v2 signature.
/// </summary>
public abstract class ProxyProtocolTest : IntegrationTest
{
    /// <summary>The bridge listens here, in the listen namespace.</summary>
    protected const string ListenIp = "10.200.0.1";

    /// <summary>The client connects from here: neither the bridge's address nor anything of the connect namespace.</summary>
    protected const string ClientIp = "10.200.0.2";

    protected const string ListenIp6 = "fd00:200::1";
    protected const string ClientIp6 = "fd00:200::2";

    protected ProxyProtocolTest(ITestOutputHelper output)
        : base(output)
    {
    }

    protected static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>An HTTP frontend of haproxy that takes a PROXY header and answers with the addresses it believes.</summary>
    protected const string SourceRevealingBackend = """
        frontend reveal
            mode http
            bind 127.0.0.1:8080 accept-proxy
            http-request return status 200 content-type text/plain lf-string "src=%[src] sport=%[src_port] dst=%[dst] dport=%[dst_port]"

        """;

    protected (TestNamespace Listen, TestNamespace Connect) CreateNamespacePair()
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        foreach (string address in new[] { ListenIp, ClientIp, ListenIp6, ClientIp6 })
        {
            listenSide.AddLoopbackAddress(address);
        }

        return (listenSide, connectSide);
    }

    /// <summary>A TCP client in <paramref name="ns"/> bound to <paramref name="sourceIp"/> (any port), connected.</summary>
    protected async Task<Socket> ConnectFromAsync(TestNamespace ns, string sourceIp, IPEndPoint to)
    {
        var client = Track(ns.CreateSocket(to.AddressFamily));
        client.Bind(new IPEndPoint(IPAddress.Parse(sourceIp), 0));
        await client.ConnectAsync(to).WaitAsync(StepTimeout);
        return client;
    }

    /// <summary>Fetches <paramref name="url"/> with curl from inside <paramref name="ns"/>; returns the body and curl's own local port.</summary>
    protected static async Task<(string Body, int LocalPort)> CurlAsync(TestNamespace ns, string url, params string[] options)
    {
        var curl = await ExternalProcess.RunAsync(StepTimeout, "ip", ["netns", "exec", ns.Name,
            "curl", "--silent", "--show-error", "--noproxy", "*", "--max-time", "10", "--write-out", "\n%{local_port}", .. options, url]);
        Assert.True(curl.ExitCode == 0, curl.ToString());
        int end = curl.Stdout.LastIndexOf('\n');
        return (curl.Stdout[..end], int.TryParse(curl.Stdout[(end + 1)..], out int port) ? port : -1);
    }

    protected static async Task WaitForAbstractSocketAsync(TestNamespace ns, string name, BridgeProcess bridge)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (!ns.Enter(() => File.ReadAllText("/proc/thread-self/net/unix")).Contains($" @{name}", StringComparison.Ordinal))
        {
            Assert.False(bridge.HasExited, bridge.Describe());
            Assert.True(DateTime.UtcNow < deadline, $"no abstract socket @{name} in netns {ns}: {bridge.Describe()}");
            await Task.Delay(20);
        }
    }
}
