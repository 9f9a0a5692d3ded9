using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Handover;

/// <summary>The one text form of the records between the parts.</summary>
public class KeyValueTextTests
{
    [Fact]
    public void WhatIsWritten_IsReadBack_KeyByKey()
    {
        string text = new KeyValueWriter()
            .Add("name", "web = front")
            .Add("count", 3)
            .AddFlag("on", true)
            .AddFlag("off", false)
            .AddMilliseconds("wait-ms", TimeSpan.FromSeconds(1.5))
            .Add("copy", Words.CopyMethod.Word(CopyMethod.Buffered))
            .Add("each", "a")
            .Add("each", "b")
            .ToString();

        var values = new KeyValueReader(text, "test record");

        Assert.Equal("web = front", values.Take("name"));
        Assert.Equal(3, values.TakeNumber("count"));
        Assert.True(values.TakeFlag("on"));
        Assert.False(values.TakeFlag("off"));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), values.TakeMilliseconds("wait-ms"));
        Assert.Equal(CopyMethod.Buffered, values.TakeWord("copy", Words.CopyMethod, CopyMethod.Splice));
        Assert.Equal(["a", "b"], values.TakeAll("each"));
        values.EnsureEmpty();
    }

    [Fact]
    public void AValueWithANewline_IsRefusedWhenWritten()
    {
        Assert.Throws<ArgumentException>(() => new KeyValueWriter().Add("name", "a\nb"));
    }

    [Theory]
    [InlineData("noequals\n", "malformed line 'noequals'")]
    [InlineData("=1\n", "malformed line '=1'")]
    public void AMalformedLine_IsRefusedNamingIt(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => new KeyValueReader(text, "test record"));

        Assert.Equal($"test record: {expected}", e.Message);
    }

    [Fact]
    public void AKeyTakenOnce_ButGivenTwice_IsRefused()
    {
        var values = new KeyValueReader("threads=1\nthreads=2\n", "test record");

        var e = Assert.Throws<InvalidDataException>(() => values.TakeNumber("threads"));

        Assert.Equal("test record: repeated line 'threads=2'", e.Message);
    }

    [Fact]
    public void WhatNoOneTook_IsAnUnknownKey()
    {
        var values = new KeyValueReader("known=1\nnewer=2\n", "test record");
        values.Take("known");

        var e = Assert.Throws<InvalidDataException>(values.EnsureEmpty);

        Assert.Equal("test record: unknown key 'newer'", e.Message);
    }

    [Theory]
    [InlineData("count=abc", "test record: count=abc: not a number")]
    [InlineData("count=", "test record: count=: not a number")]
    [InlineData("count=-1", "test record: count=-1: not a number")]
    [InlineData("other=1", "test record: count missing")]
    public void AMissingOrMalformedNumber_IsRefusedNamingTheKey(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => new KeyValueReader(text, "test record").TakeNumber("count"));

        Assert.Equal(expected, e.Message);
    }

    [Theory]
    [InlineData("flag=0")]
    [InlineData("flag=yes")]
    public void AFlagOtherThan1_IsRefused(string text)
    {
        Assert.Throws<InvalidDataException>(() => new KeyValueReader(text, "test record").TakeFlag("flag"));
    }

    [Fact]
    public void AnUnknownWord_IsRefusedNamingIt()
    {
        var e = Assert.Throws<InvalidDataException>(() => new KeyValueReader("copy=sendfile", "test record").TakeWord("copy", Words.CopyMethod, CopyMethod.Splice));

        Assert.Equal("test record: unknown copy 'sendfile'", e.Message);
    }
}
