using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Metrics;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Relay.Udp;
using Xunit;

namespace NetnsTcpBridge.Tests.Metrics;

/// <summary>The listener asking connectors for their counters over real SEQPACKET socket pairs.</summary>
public sealed class StatisticsLinkTests : IDisposable
{
    private readonly List<FileDescriptor> _listenerEnds = [];
    private readonly List<FileDescriptor> _connectorEnds = [];
    private readonly List<Thread> _responders = [];

    /// <summary>
    /// The listener's ends first: each responder then reads end-of-file and stops, and only then
    /// are the ends it reads closed, so that no responder ever uses a descriptor number reused by
    /// another test.
    /// </summary>
    public void Dispose()
    {
        foreach (var descriptor in _listenerEnds)
        {
            descriptor.Dispose();
        }

        foreach (var responder in _responders)
        {
            responder.Join();
        }

        foreach (var descriptor in _connectorEnds)
        {
            descriptor.Dispose();
        }
    }

    [Fact]
    public void Answer_FormatThenParse_KeepsEverything()
    {
        // Every reason a different count, so that a reason read under another's key shows.
        var counters = new StatisticsSnapshot(1, 2, 3, 4, EndingCounts.From(reason => 100 + (int)reason))
        {
            Udp = new UdpCounters(5, 6, 7, 8, 9, 10, [11, 12, 13, 14, 15], [16, 17, 18, 19]),
        };

        var (sequence, parsed, active) = StatisticsLink.ParseAnswer(StatisticsLink.FormatAnswer(42, counters, 9));

        Assert.Equal(42, sequence);
        Assert.Equal(counters, parsed);
        Assert.Equal(9, active);
    }

    [Fact]
    public void Answer_UnknownKeysAreIgnored_MissingOnesAreZero()
    {
        var (sequence, counters, active) = StatisticsLink.ParseAnswer("sequence=3\ntaken=5\nsomething-new=7\nended.connect_refused=2\nended.some_new_reason=4\n");

        Assert.Equal(3, sequence);
        Assert.Equal(new StatisticsSnapshot(5, 0, 0, 0, EndingCounts.Of((CloseReason.ConnectRefused, 2))), counters);
        Assert.Equal(0, active);
    }

    [Theory]
    [InlineData("taken")]
    [InlineData("taken=-1")]
    [InlineData("=5")]
    [InlineData("taken=x")]
    public void Answer_Malformed_IsRejected(string text)
    {
        Assert.Throws<InvalidDataException>(() => StatisticsLink.ParseAnswer(text));
    }

    [Fact]
    public void Collector_AddsUpEveryConnector()
    {
        var first = Responder(
            new StatisticsSnapshot(3, 100, 200, 0, EndingCounts.Of((CloseReason.FinBothWays, 2), (CloseReason.ResetByServer, 1), (CloseReason.IdleTimeout, 4))), active: 1);
        var second = Responder(
            new StatisticsSnapshot(4, 1000, 2000, 2, EndingCounts.Of((CloseReason.FinBothWays, 3), (CloseReason.ConnectRefused, 1), (CloseReason.IdleTimeout, 5))), active: 2);

        string? text = new StatisticsCollector([first, second]).Render();

        var sum = EndingCounts.Of(
            (CloseReason.FinBothWays, 5), (CloseReason.ResetByServer, 1), (CloseReason.ConnectRefused, 1), (CloseReason.IdleTimeout, 9));
        Assert.Equal(OpenMetricsText.Format(new StatisticsSnapshot(7, 1100, 2200, 2, sum), 3), text);
        Assert.Contains("netns_tcp_bridge_connections_ended_total{reason=\"idle_timeout\"} 9\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_connections_ended_total{reason=\"connect_refused\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Collector_AddsUpTheUdpCountersOfEveryConnector()
    {
        var first = Responder(new StatisticsSnapshot(0, 0, 0, 0, default) { Udp = new UdpCounters(2, 10, 100, 90, 6400, 5000, [1, 0, 0, 0, 0], [8, 0, 0, 0]) }, active: 0);
        var second = Responder(new StatisticsSnapshot(0, 0, 0, 0, default) { Udp = new UdpCounters(1, 5, 50, 50, 100, 200, [0, 2, 0, 0, 0], [3, 1, 0, 0]) }, active: 0);

        string? text = new StatisticsCollector([first, second]).Render();

        Assert.Contains("netns_tcp_bridge_udp_flows_active 3\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_flows_total 15\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_datagrams_total{direction=\"client_to_server\"} 150\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_bytes_total{direction=\"server_to_client\"} 5200\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_dropped_total{reason=\"flow_limit\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_dropped_total{reason=\"flow_setup_failed\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_flows_ended_total{reason=\"idle_timeout\"} 11\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_flows_ended_total{reason=\"refused\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Collector_AConnectorThatDoesNotAnswer_FailsTheWholeScrape()
    {
        var answering = Responder(new StatisticsSnapshot(1, 0, 0, 0, EndingCounts.Of((CloseReason.FinBothWays, 1))), active: 0);
        var (silent, _) = Pair(); // its other end never reads nor answers

        Assert.Null(new StatisticsCollector([answering, silent]).Render());
    }

    [Fact]
    public void Collector_AConnectorThatIsGone_FailsTheScrape()
    {
        var (link, connectorEnd) = Pair();
        connectorEnd.Dispose();

        Assert.Null(new StatisticsCollector([link]).Render());
    }

    [Fact]
    public void Collector_SkipsALateAnswerToAnEarlierScrape()
    {
        var (link, connectorEnd) = Pair();

        // A stale answer already waits (sequence 0, which no scrape uses); then an honest responder.
        Assert.True(StatisticsLink.TrySend(connectorEnd.Number, StatisticsLink.FormatAnswer(0, new StatisticsSnapshot(99, 0, 0, 0, default), 99), dontWait: true));
        StartResponder(connectorEnd, new StatisticsSnapshot(1, 0, 0, 0, default), active: 0);

        string? text = new StatisticsCollector([link]).Render();

        Assert.Contains("netns_tcp_bridge_connections_total 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Collector_ScrapesAgainAndAgain()
    {
        var collector = new StatisticsCollector([Responder(new StatisticsSnapshot(2, 0, 0, 0, default), active: 0)]);

        for (int i = 0; i < 20; i++)
        {
            Assert.Contains("netns_tcp_bridge_connections_total 2\n", collector.Render(), StringComparison.Ordinal);
        }
    }

    private FileDescriptor Responder(StatisticsSnapshot counters, int active)
    {
        var (link, connectorEnd) = Pair();
        StartResponder(connectorEnd, counters, active);
        return link;
    }

    /// <summary>What a connector's responder does, with fixed counters: answers each request with its sequence number.</summary>
    private void StartResponder(FileDescriptor end, StatisticsSnapshot counters, int active)
    {
        var thread = new Thread(() =>
        {
            while (StatisticsLink.Receive(end.Number, dontWait: false) is { Length: > 0 } request)
            {
                StatisticsLink.TrySend(end.Number, StatisticsLink.FormatAnswer(long.Parse(request, System.Globalization.CultureInfo.InvariantCulture), counters, active), dontWait: false);
            }
        })
        { IsBackground = true };
        _responders.Add(thread);
        thread.Start();
    }

    private (FileDescriptor Listener, FileDescriptor Connector) Pair()
    {
        var (listener, connector) = StatisticsLink.CreatePair();
        _listenerEnds.Add(listener);
        _connectorEnds.Add(connector);
        return (listener, connector);
    }
}
