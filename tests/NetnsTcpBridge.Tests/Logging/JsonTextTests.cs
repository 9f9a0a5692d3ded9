using System.Text.Json;
using NetnsTcpBridge.Logging;
using Xunit;

namespace NetnsTcpBridge.Tests.Logging;

public class JsonTextTests
{
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("", "\"\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("C:\\temp", "\"C:\\\\temp\"")]
    [InlineData("a\nb\rc\td", "\"a\\nb\\rc\\td\"")]
    [InlineData("\b\f", "\"\\b\\f\"")]
    [InlineData("\0\u0001\u001f", "\"\\u0000\\u0001\\u001f\"")]
    [InlineData("del\u007f", "\"del\\u007f\"")]
    [InlineData("js\u2028\u2029", "\"js\\u2028\\u2029\"")]
    [InlineData("/slash/ stays", "\"/slash/ stays\"")]
    [InlineData("netns 'café' ✓", "\"netns 'café' ✓\"")]
    public void Quote_EscapesWhatJsonRequires_AndKeepsTheRest(string value, string expected)
    {
        Assert.Equal(expected, JsonText.Quote(value));
    }

    [Fact]
    public void Quote_KeepsASurrogatePair()
    {
        string emoji = "\ud83d\ude00";

        Assert.Equal($"\"{emoji}\"", JsonText.Quote(emoji));
    }

    // By index: xunit cannot tell apart strings that differ only in lone surrogates.
    private static readonly string[] LoneSurrogates = ["\ud83d", "\ude00", "a\ud83db", "\ude00\ud83d"];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Quote_ReplacesALoneSurrogate_SoTheLineStaysValidUtf8(int index)
    {
        string quoted = JsonText.Quote(LoneSurrogates[index]);

        Assert.DoesNotContain(quoted, char.IsSurrogate);
        Assert.Contains('\ufffd', quoted);
    }

    [Theory]
    [InlineData("quote \" backslash \\ newline \n tab \t nul \0 bell \a")]
    [InlineData("every control: \u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f")]
    [InlineData("unicode: 日本語 \ud83d\ude00 \u2028")]
    [InlineData("{\"looks\":\"like json\"}")]
    public void Quote_ParsesBackToTheSameString(string value)
    {
        using var document = JsonDocument.Parse(JsonText.Quote(value));

        Assert.Equal(value, document.RootElement.GetString());
    }
}
