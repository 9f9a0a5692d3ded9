using System.Text.Json;
using NetnsTcpBridge.Logging;
using Xunit;

namespace NetnsTcpBridge.Tests.Logging;

public class LogLineFormatterTests
{
    private static readonly DateTime At = new(2026, 11, 29, 13, 46, 4, 300, DateTimeKind.Utc);

    [Fact]
    public void Time_IsRfc3339UtcWithMilliseconds()
    {
        Assert.Equal("2026-11-29T13:46:04.300Z", LogLineFormatter.FormatTime(At));
        Assert.Equal("2026-11-29T13:46:04.300Z", LogLineFormatter.FormatTime(At.ToLocalTime()));
    }

    [Theory]
    [InlineData(LogLevel.Error, "2026-11-29T13:46:04.300Z netns_tcp_bridge: error: it broke\n")]
    [InlineData(LogLevel.Warning, "2026-11-29T13:46:04.300Z netns_tcp_bridge: warning: it broke\n")]
    [InlineData(LogLevel.Info, "2026-11-29T13:46:04.300Z netns_tcp_bridge: it broke\n")]
    [InlineData(LogLevel.Debug, "2026-11-29T13:46:04.300Z netns_tcp_bridge: it broke\n")]
    public void Text_WithTime_IsTimePrefixLabelMessage(LogLevel level, string expected)
    {
        Assert.Equal(expected, LogLineFormatter.Text(At, "netns_tcp_bridge", level, "it broke"));
    }

    [Fact]
    public void Text_WithoutTime_UnderJournald_StartsWithThePrefix()
    {
        Assert.Equal("netns_tcp_bridge[connector]: warning: slow\n", LogLineFormatter.Text(null, "netns_tcp_bridge[connector]", LogLevel.Warning, "slow"));
    }

    [Fact]
    public void Text_KeepsOneLine_WhenTheMessageHoldsLineBreaks()
    {
        Assert.Equal("p: a\\nb\n", LogLineFormatter.Text(null, "p", LogLevel.Info, "a\nb"));
    }

    [Fact]
    public void Json_HasTheStableKeysInOrder()
    {
        string line = LogLineFormatter.Json(At, "listener", LogLevel.Warning, "it \"broke\"");

        Assert.Equal("{\"time\":\"2026-11-29T13:46:04.300Z\",\"level\":\"warning\",\"part\":\"listener\",\"message\":\"it \\\"broke\\\"\"}\n", line);
    }

    [Fact]
    public void Json_WithoutTime_UnderJournald_LeavesTheKeyOut()
    {
        string line = LogLineFormatter.Json(null, "connector", LogLevel.Debug, "x");

        Assert.Equal("{\"level\":\"debug\",\"part\":\"connector\",\"message\":\"x\"}\n", line);
    }

    [Fact]
    public void Json_WithEventAndFields_AppendsThemAfterTheMessage()
    {
        string line = LogLineFormatter.Json(At, "connector", LogLevel.Info, "m", "stats", [LogField.Number("active", 3), LogField.Text("name", "a\tb")]);

        Assert.Equal("{\"time\":\"2026-11-29T13:46:04.300Z\",\"level\":\"info\",\"part\":\"connector\",\"message\":\"m\",\"event\":\"stats\",\"active\":3,\"name\":\"a\\tb\"}\n", line);
    }

    [Theory]
    [InlineData(LogLevel.Error, "error")]
    [InlineData(LogLevel.Warning, "warning")]
    [InlineData(LogLevel.Info, "info")]
    [InlineData(LogLevel.Debug, "debug")]
    public void Json_IsOneParseableObjectPerLine_WhateverTheMessage(LogLevel level, string levelName)
    {
        string message = "multi\nline \"quoted\" \\ \u0001 ✓ \ud83d";

        string line = LogLineFormatter.Json(At, "listener", level, message);

        Assert.EndsWith("}\n", line, StringComparison.Ordinal);
        Assert.Equal(1, line.Count(c => c == '\n'));
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        Assert.Equal(levelName, root.GetProperty("level").GetString());
        Assert.Equal("listener", root.GetProperty("part").GetString());
        Assert.Equal(message.Replace("\ud83d", "\ufffd", StringComparison.Ordinal), root.GetProperty("message").GetString());
        Assert.Equal(At, root.GetProperty("time").GetDateTime().ToUniversalTime());
    }

    [Fact]
    public void Seconds_HaveMillisecondPrecision_AndAPoint()
    {
        Assert.Equal("1.235", LogField.Seconds("d", TimeSpan.FromMilliseconds(1234.6)).JsonValue);
        Assert.Equal("0.000", LogField.Seconds("d", TimeSpan.Zero).JsonValue);
    }
}
