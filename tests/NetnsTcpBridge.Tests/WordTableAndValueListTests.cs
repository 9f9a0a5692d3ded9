using NetnsTcpBridge.Logging;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests;

public class WordTableAndValueListTests
{
    [Fact]
    public void EveryWord_ReadsBackAsItsValue()
    {
        foreach (var method in Enum.GetValues<CopyMethod>())
        {
            Assert.True(Words.CopyMethod.TryParse(Words.CopyMethod.Word(method), out var parsed));
            Assert.Equal(method, parsed);
        }

        foreach (var format in Enum.GetValues<LogFormat>())
        {
            Assert.True(Words.LogFormat.TryParse(Words.LogFormat.Word(format), out var parsed));
            Assert.Equal(format, parsed);
        }
    }

    [Theory]
    [InlineData("V1")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("none")]
    public void WordsAreExact(string? word)
    {
        Assert.False(Words.ProxyProtocol.TryParse(word, out _));
    }

    [Fact]
    public void Choices_ListTheWordsForMessages()
    {
        Assert.Equal("splice or buffered", Words.CopyMethod.Choices);
        Assert.Equal("v1 or v2", Words.ProxyProtocol.Choices);
    }

    [Fact]
    public void AValueWithoutAWord_IsAProgrammingError()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Words.ProxyProtocol.Word(ProxyProtocolVersion.None));
    }

    [Fact]
    public void ValueLists_AreEqual_ByTheirItemsInOrder()
    {
        Assert.Equal(ValueList.Of([1, 2]), ValueList.Of(new List<int> { 1, 2 }));
        Assert.Equal(ValueList.Of([1, 2]).GetHashCode(), ValueList.Of([1, 2]).GetHashCode());
        Assert.NotEqual(ValueList.Of([1, 2]), ValueList.Of([2, 1]));
        Assert.NotEqual(ValueList.Of([1]), ValueList.Of([1, 1]));
    }

    [Fact]
    public void RecordsHoldingValueLists_CompareByValue()
    {
        var a = new RelayOptions { Routes = [new RelayRoute("a", [System.Net.IPEndPoint.Parse("127.0.0.1:1")])] };
        var b = new RelayOptions { Routes = [new RelayRoute("a", [System.Net.IPEndPoint.Parse("127.0.0.1:1")])] };

        Assert.Equal(a, b);
        Assert.NotEqual(a, b with { Routes = [.. b.Routes, b.Routes[0]] });
        Assert.NotEqual(a, b with { Routes = [b.Routes[0] with { Targets = [System.Net.IPEndPoint.Parse("127.0.0.1:2")] }] });
    }
}
