using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Endpoints;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints;

public class UnixAddressTests
{
    [Theory]
    [InlineData("unix:/run/app.sock", "/run/app.sock")]
    [InlineData("unix:@app", null)]
    public void Parse_PathOrAbstract_RoundTripsThroughFormat(string text, string? filePath)
    {
        Assert.True(UnixAddress.TryParse(text, out var endpoint, out _));
        Assert.Equal(text, UnixAddress.Format(endpoint));
        Assert.Equal(text, TcpAddress.Format(endpoint));
        Assert.Equal(filePath, UnixAddress.FilePath(endpoint));
    }

    [Theory]
    [InlineData("unix:")]
    [InlineData("unix:@")]
    [InlineData("unix:relative.sock")]
    [InlineData("unix:@a\nb")]
    [InlineData("unix:/run/a\rb.sock")]
    public void Parse_Malformed_SaysWhy(string text)
    {
        Assert.False(UnixAddress.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Parse_NameLongerThanSockaddrUn_IsRefused() =>
        Assert.False(UnixAddress.TryParse("unix:/" + new string('x', 120), out _, out _));

    [Fact]
    public void CommandLine_UnixOnBothSides_IsAccepted()
    {
        var run = Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(["-l", "unix:@front", "-c", "unix:/run/back.sock"]));

        Assert.Equal("unix:@front", TcpAddress.Format(Assert.IsType<ListenSource.Address>(run.Settings.Rules[0].Listen).Endpoint));
        Assert.Equal("unix:/run/back.sock", TcpAddress.Format(Assert.IsType<ConnectTarget.Address>(run.Settings.Rules[0].Connect).Endpoint));
    }

    [Fact]
    public void ConnectorSettings_CarryAUnixTarget()
    {
        Assert.True(UnixAddress.TryParse("unix:@back", out var endpoint, out _));
        var settings = new ConnectorSettings(new NetnsTcpBridge.Relay.RelayOptions { Routes = [new NetnsTcpBridge.Relay.RelayRoute(null, [endpoint])] }, false, NetnsTcpBridge.Logging.LogLevel.Info);

        Assert.Equal("unix:@back", TcpAddress.Format(ConnectorSettings.Parse(settings.Format()).Relay.Routes[0].Targets[0]));
    }
}

public class UnixModeAndQuietTests
{
    [Theory]
    [InlineData("660", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite)]
    [InlineData("0600", UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    public void UnixMode_IsReadAsOctal(string text, UnixFileMode expected) =>
        Assert.Equal(expected, Run("-l", "unix:/run/x.sock", "-c", "127.0.0.1:1", "--unix-mode", text).Settings.Rules[0].UnixSocketMode);

    [Theory]
    [InlineData("8")]
    [InlineData("rw")]
    [InlineData("12345")]
    public void UnixMode_NotOctal_IsAUsageError(string text) =>
        Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-l", "unix:/run/x.sock", "-c", "127.0.0.1:1", "--unix-mode", text]));

    [Fact]
    public void Quiet_IsParsed_AndExcludesVerbose()
    {
        Assert.True(Run("-q", "-l", "127.0.0.1:1", "-c", "127.0.0.1:2").Quiet);
        Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-q", "-v", "-l", "127.0.0.1:1", "-c", "127.0.0.1:2"]));
    }

    private static CommandLineRequest.RunBridge Run(params string[] args) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(args));
}
