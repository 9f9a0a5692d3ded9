using System.Net;
using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Metrics;
using Xunit;

namespace NetnsTcpBridge.Tests.Metrics;

/// <summary>The metrics server on a real loopback socket: answers, and scrapers that misbehave.</summary>
public sealed class MetricsServerTests : IDisposable
{
    private const string Body = "# TYPE x gauge\nx 1\n# EOF\n";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    /// <summary>For scrapers that behave: long enough for any machine, so nothing here is timed.</summary>
    private static readonly TimeSpan Patient = TimeSpan.FromSeconds(30);

    /// <summary>For the tests about scrapers that never finish: they end at this deadline.</summary>
    private static readonly TimeSpan Impatient = TimeSpan.FromSeconds(2);

    private MetricsServer? _server;
    private IPEndPoint _endpoint = new(IPAddress.None, 0);
    private int _renders;

    public void Dispose() => _server?.Dispose();

    private void Start(TimeSpan exchangeTimeout)
    {
        var any = new IPEndPoint(IPAddress.Loopback, 0);
        var socket = ListeningSocket.CreateSocket(any);
        ListeningSocket.BindAndListen(socket, any);
        _endpoint = IPEndPoint.Parse(SocketNames.Local(socket.Number));
        // The request head gets the same bound: a loaded machine may take over a second between
        // a test's connect and its send, and the default second would then fail a patient test.
        _server = new MetricsServer(socket, () => { Interlocked.Increment(ref _renders); return Body; }, exchangeTimeout, requestTimeout: exchangeTimeout);
        _server.Start();
    }

    [Fact]
    public async Task Get_IsAnsweredWithTheRenderedText_ThenClosed()
    {
        Start(Patient);
        string response = await ScrapeAsync("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n" + Body, response, StringComparison.Ordinal);
        Assert.Equal(1, _renders);
    }

    [Fact]
    public async Task RequestInPieces_IsAnswered()
    {
        Start(Patient);
        using var client = await ConnectAsync();
        foreach (string piece in new[] { "GE", "T /met", "rics HTTP/1.1\r", "\n", "\r\n" })
        {
            await client.SendAsync(Encoding.ASCII.GetBytes(piece));
            await Task.Delay(20);
        }

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", await ReadToEndAsync(client), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentScraper_IsDroppedAtItsDeadline_AndTheNextOneIsServed()
    {
        Start(Impatient);
        using var silent = await ConnectAsync();

        string response = await ScrapeAsync("GET /metrics HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await ReadToEndAsync(silent)); // closed by the server, without an answer
    }

    [Fact]
    public async Task ScraperThatNeverCloses_GetsItsAnswer_AndDoesNotHoldTheServer()
    {
        Start(Impatient);
        using var lingering = await ConnectAsync();
        await lingering.SendAsync("GET /metrics HTTP/1.1\r\n\r\n"u8.ToArray());

        // It reads nothing yet and never closes; the server must still move on to the next one.
        string next = await ScrapeAsync("GET /metrics HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", next, StringComparison.Ordinal);
        Assert.EndsWith(Body, await ReadToEndAsync(lingering), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedRequestHead_Gets431()
    {
        Start(Patient);
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nX-Long: " + new string('a', MetricsHttp.MaxRequestBytes)));

        Assert.StartsWith("HTTP/1.1 431 ", await ReadToEndAsync(client), StringComparison.Ordinal);
        Assert.Equal(0, _renders);
    }

    [Fact]
    public async Task ScraperThatResets_DoesNotStopTheServer()
    {
        Start(Patient);
        var rude = await ConnectAsync();
        rude.LingerState = new LingerOption(true, 0);
        rude.Dispose(); // RST

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", await ScrapeAsync("GET /metrics HTTP/1.1\r\n\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyScrapesInARow_AreAllAnswered()
    {
        Start(Patient);
        for (int i = 0; i < 50; i++)
        {
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", await ScrapeAsync("GET /metrics HTTP/1.1\r\n\r\n"), StringComparison.Ordinal);
        }

        Assert.Equal(50, _renders);
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_endpoint).WaitAsync(Generous);
        return socket;
    }

    private async Task<string> ScrapeAsync(string request)
    {
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes(request));
        return await ReadToEndAsync(client);
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        int count;
        while ((count = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Generous)) > 0)
        {
            received.Write(buffer, 0, count);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }
}
