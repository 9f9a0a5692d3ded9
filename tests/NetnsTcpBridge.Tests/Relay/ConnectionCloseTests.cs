using System.Text.Json;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

public class ConnectionCloseTests
{
    private static readonly ConnectionClose Reset = new(
        Rule: null,
        Client: "10.0.0.2:40000",
        Target: "127.0.0.1:80",
        BytesClientToServer: 120,
        BytesServerToClient: 4096,
        Duration: TimeSpan.FromMilliseconds(1250),
        Reason: CloseReason.ResetByServer,
        Error: "read: ECONNRESET (Connection reset by peer)");

    [Fact]
    public void Message_SaysWhoWhereHowLongWhyAndBytes()
    {
        Assert.Equal(
            "closed 10.0.0.2:40000 -> 127.0.0.1:80 after 1.250 s: reset by server: read: ECONNRESET (Connection reset by peer); client->server 120 bytes, server->client 4096 bytes",
            Reset.Message());
    }

    [Fact]
    public void Message_NamesTheRuleOnlyWhenSet_AndTheErrorOnlyWhenThereIsOne()
    {
        var clean = Reset with { Rule = "web", Reason = CloseReason.FinBothWays, Error = null };

        Assert.Equal(
            "[web] closed 10.0.0.2:40000 -> 127.0.0.1:80 after 1.250 s: FIN both ways; client->server 120 bytes, server->client 4096 bytes",
            clean.Message());
    }

    [Fact]
    public void JsonLine_HasTheDocumentedKeysInOrder()
    {
        string line = LogLineFormatter.Json(null, "connector", LogLevel.Debug, "m", ConnectionClose.EventName, Reset.Fields());

        Assert.Equal(
            "{\"level\":\"debug\",\"part\":\"connector\",\"message\":\"m\",\"event\":\"close\",\"client\":\"10.0.0.2:40000\",\"target\":\"127.0.0.1:80\","
            + "\"bytes_client_to_server\":120,\"bytes_server_to_client\":4096,\"duration_s\":1.250,\"reason\":\"reset by server\",\"reason_code\":\"reset_by_server\",\"error\":\"read: ECONNRESET (Connection reset by peer)\"}\n",
            line);
    }

    [Fact]
    public void JsonLine_WithRuleAndNoError_ParsesToTheRecord()
    {
        var record = Reset with { Rule = "db \"main\"", Reason = CloseReason.IdleTimeout, Error = null };

        using var document = JsonDocument.Parse(LogLineFormatter.Json(DateTime.UtcNow, "connector", LogLevel.Debug, record.Message(), ConnectionClose.EventName, record.Fields()));
        var root = document.RootElement;

        Assert.Equal(
            ["time", "level", "part", "message", "event", "rule", "client", "target", "bytes_client_to_server", "bytes_server_to_client", "duration_s", "reason", "reason_code"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("db \"main\"", root.GetProperty("rule").GetString());
        Assert.Equal(120, root.GetProperty("bytes_client_to_server").GetInt64());
        Assert.Equal(4096, root.GetProperty("bytes_server_to_client").GetInt64());
        Assert.Equal(1.25, root.GetProperty("duration_s").GetDouble());
        Assert.Equal("idle timeout", root.GetProperty("reason").GetString());
        Assert.Equal("idle_timeout", root.GetProperty("reason_code").GetString());
    }

    [Fact]
    public void Reasons_AreTheDocumentedVocabulary()
    {
        Assert.Equal(
            ["FIN both ways", "reset by client", "reset by server", "connect refused", "connect failed", "connect timeout", "idle timeout",
             "reset at end of drain", "refused by per-source limit", "reset on stop", "internal error", "bad PROXY header", "refused untrusted proxy"],
            CloseReasons.All.Select(CloseReasons.Text).ToArray());
    }

    [Fact]
    public void ReasonNames_AreTheDocumentedSnakeCaseNames_OnePerReason_MatchingTheWords()
    {
        string[] names = [.. CloseReasons.All.Select(CloseReasons.Name)];

        Assert.Equal(
            ["fin_both_ways", "reset_by_client", "reset_by_server", "connect_refused", "connect_failed", "connect_timeout", "idle_timeout",
             "reset_at_end_of_drain", "refused_by_per_source_limit", "reset_on_stop", "internal_error", "bad_proxy_header", "refused_untrusted_proxy"],
            names);

        // The machine names are the words of the close line, lower case, joined by underscores.
        Assert.Equal(CloseReasons.All.Select(r => CloseReasons.Text(r).ToLowerInvariant().Replace(' ', '_').Replace('-', '_')), names);
    }

    [Fact]
    public void Statistics_Snapshot_HasEachReasonsCount()
    {
        var statistics = new RelayStatistics();
        statistics.Record(CloseReason.ConnectTimeout, 0, 0);
        statistics.Record(CloseReason.ConnectTimeout, 0, 0);
        statistics.Record(CloseReason.ResetByClient, 3, 4);

        var snapshot = statistics.Snapshot();

        Assert.Equal(EndingCounts.Of((CloseReason.ConnectTimeout, 2), (CloseReason.ResetByClient, 1)), snapshot.Ended);
        Assert.Equal(3, snapshot.Ended.Total);
        Assert.Equal(3, snapshot.BytesClientToServer);
    }

    [Fact]
    public void Statistics_CountEachReason_AndDescribeEveryKind()
    {
        var statistics = new RelayStatistics();
        statistics.Record(CloseReason.FinBothWays, 10, 20);
        statistics.Record(CloseReason.FinBothWays, 1, 2);
        statistics.Record(CloseReason.IdleTimeout, 5, 0);
        statistics.Record(CloseReason.RefusedByPerSourceLimit, 0, 0);

        Assert.Equal(
            "active 1, total 4, bytes client->server 16, server->client 22, ended: FIN both ways 2, reset by client 0, reset by server 0, connect refused 0, "
            + "connect failed 0, connect timeout 0, idle timeout 1, reset at end of drain 0, refused by per-source limit 1, reset on stop 0, internal error 0, bad PROXY header 0, refused untrusted proxy 0",
            statistics.Describe(active: 1));
    }

    [Fact]
    public void Statistics_AsJsonFields_HaveOneKeyPerReason()
    {
        var statistics = new RelayStatistics();
        statistics.Record(CloseReason.ResetAtEndOfDrain, 7, 9);

        using var document = JsonDocument.Parse(LogLineFormatter.Json(null, "connector", LogLevel.Info, "stats", "stats", statistics.Fields(active: 0)));
        var root = document.RootElement;

        Assert.Equal(1, root.GetProperty("total").GetInt64());
        Assert.Equal(7, root.GetProperty("bytes_client_to_server").GetInt64());
        Assert.Equal(1, root.GetProperty("ended_reset_at_end_of_drain").GetInt64());
        Assert.Equal(0, root.GetProperty("ended_refused_by_per_source_limit").GetInt64());
        Assert.Equal(0, root.GetProperty("ended_fin_both_ways").GetInt64());
        Assert.Equal(0, root.GetProperty("ended_bad_proxy_header").GetInt64());
        Assert.Equal(4 + CloseReasons.All.Count, root.EnumerateObject().Count(p => p.Name is not ("level" or "part" or "message" or "event")));
    }
}
