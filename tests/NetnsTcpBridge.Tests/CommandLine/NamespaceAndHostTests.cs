using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Tests.Support;
using Xunit;

namespace NetnsTcpBridge.Tests.CommandLine;

public class NamespaceAndHostTests
{
    [Theory]
    [InlineData("web", typeof(NamespaceReference.Named))]
    [InlineData("pid:4242", typeof(NamespaceReference.OfProcess))]
    [InlineData("/proc/4242/ns/net", typeof(NamespaceReference.File))]
    [InlineData("./relative/file", typeof(NamespaceReference.File))]
    public void NetnsSpec_NameOrPidOrPath_IsTheRightKind(string spec, Type expected)
    {
        var run = Run("-l", "127.0.0.1:80", "-c", "127.0.0.1:81", "--listen-netns", spec, "--connect-netns", spec);

        Assert.IsType(expected, run.Settings.Rules[0].ListenNamespace);
        Assert.IsType(expected, run.Settings.Rules[0].ConnectNamespace);
    }

    [Fact]
    public void NetnsSpec_Pid_KeepsTheNumber() =>
        Assert.Equal(new NamespaceReference.OfProcess(4242), Run("-l", "127.0.0.1:80", "-c", "127.0.0.1:81", "--connect-netns", "pid:4242").Settings.Rules[0].ConnectNamespace);

    [Fact]
    public void NetnsSpec_PidWithStartTime_KeepsBoth() =>
        Assert.Equal(new NamespaceReference.OfProcess(4242, 123456), Run("-l", "127.0.0.1:80", "-c", "127.0.0.1:81", "--connect-netns", "pid:4242@123456").Settings.Rules[0].ConnectNamespace);

    [Theory]
    [InlineData("pid:4242=net:[4026532281]", "pid")]
    [InlineData("pid:4242@123456=net:[4026532281]", "pid")]
    [InlineData("web=net:[4026532281]", "name")]
    [InlineData("/run/netns/web=net:[4026532281]", "path")]
    public void NetnsSpec_WithExpectedInode_KeepsTheInodeAndTheRest(string spec, string kind)
    {
        var reference = Run("-l", "127.0.0.1:80", "-c", "127.0.0.1:81", "--connect-netns", spec).Settings.Rules[0].ConnectNamespace;

        NamespaceReference expected = kind switch
        {
            "pid" when spec.Contains('@', StringComparison.Ordinal) => new NamespaceReference.OfProcess(4242, 123456),
            "pid" => new NamespaceReference.OfProcess(4242),
            "name" => new NamespaceReference.Named("web"),
            _ => new NamespaceReference.File("/run/netns/web"),
        };
        Assert.Equal(expected with { ExpectedInode = 4026532281 }, reference);
    }

    [Fact]
    public void RuleNetns_WithExpectedInode_KeepsTheInode()
    {
        var rule = Run("--rule", "name=a,listen=127.0.0.1:1,connect=127.0.0.1:2,connect-netns=pid:4242@7=net:[4026532281]").Settings.Rules.Single();

        Assert.Equal(new NamespaceReference.OfProcess(4242, 7) { ExpectedInode = 4026532281 }, rule.ConnectNamespace);
    }

    [Theory]
    [InlineData("pid:4242=net:")]
    [InlineData("pid:4242=net:[]")]
    [InlineData("pid:4242=net:4026532281")]
    [InlineData("pid:4242=net:[40x]")]
    [InlineData("pid:4242=net:[-1]")]
    [InlineData("pid:4242=net:[99999999999999999999999]")]
    [InlineData("=net:[4026532281]")]
    [InlineData("pid:x=net:[4026532281]")]
    [InlineData("pid:")]
    [InlineData("pid:abc")]
    [InlineData("pid:0")]
    [InlineData("pid:4242@")]
    [InlineData("pid:4242@x")]
    [InlineData("pid:@5")]
    [InlineData("pid:4242@5@6")]
    [InlineData("..")]
    [InlineData("")]
    public void NetnsSpec_Malformed_IsAUsageError(string spec)
    {
        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-l", "127.0.0.1:80", "-c", "127.0.0.1:81", "--listen-netns", spec]));
        Assert.Contains("--listen-netns", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-f", "/x", "--listen-netns", "web")]
    [InlineData("-F", "3", "--listen-netns", "web")]
    [InlineData("-t", "/x", "--connect-netns", "web")]
    [InlineData("-T", "3", "--connect-netns", "pid:1")]
    public void NetnsSpec_WithFileOrFdOfTheSameSide_AreExclusive(string option, string value, string spec, string specValue)
    {
        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-l", "127.0.0.1:80", "-c", "127.0.0.1:81", option, value, spec, specValue]));
        Assert.Contains("exclude each other", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListenNetnsSpec_WithListenFd_IsAUsageError() =>
        Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-L", "3", "-c", "127.0.0.1:81", "--listen-netns", "web"]));

    [Theory]
    [InlineData("backend:8080", "backend", 8080)]
    [InlineData("db.internal.example:5432", "db.internal.example", 5432)]
    [InlineData("web-1.test.:80", "web-1.test.", 80)] // the trailing dot is kept: an absolute name skips the search list
    public void ConnectHostName_IsKeptForResolutionInTheConnectNetns(string text, string host, int port) =>
        Assert.Equal(new ConnectTarget.HostName(host, port), Run("-l", "127.0.0.1:80", "-c", text).Settings.Rules[0].Connect);

    [Theory]
    [InlineData("backend")]
    [InlineData("backend:0")]
    [InlineData("backend:65536")]
    [InlineData("-bad-:80")]
    [InlineData("under_score:80")]
    [InlineData("1.2.3:80")]
    public void HostName_Malformed_IsNotAHostName(string text) =>
        Assert.False(HostName.TryParse(text, out _, out _));

    [Fact]
    public void ListenHostName_IsStillRefused() =>
        Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-l", "localhost:80", "-c", "127.0.0.1:81"]));

    private static CommandLineRequest.RunBridge Run(params string[] args) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(args));
}

public class SocketActivationParsingTests
{
    [Fact]
    public void OnePassedSocket_AndNoListenOption_IsTheClientSource() =>
        Assert.Equal(new ListenSource.SocketActivated(3), Run(1, "-c", "127.0.0.1:81").Settings.Rules[0].Listen);

    [Fact]
    public void PassedSocket_WithAListenOption_IsIgnored() =>
        Assert.IsType<ListenSource.Address>(Run(1, "-l", "127.0.0.1:80", "-c", "127.0.0.1:81").Settings.Rules[0].Listen);

    [Fact]
    public void SeveralPassedSockets_AreAUsageErrorSayingHowMany()
    {
        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-c", "127.0.0.1:81"], socketsPassed: 2));
        Assert.Contains("2 sockets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PassedSocket_WithAListenNetns_IsAUsageError() =>
        Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-c", "127.0.0.1:81", "--listen-netns", "web"], socketsPassed: 1));

    [Fact]
    public void NoPassedSocket_AndNoListenOption_IsStillMissing() =>
        Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-c", "127.0.0.1:81"], socketsPassed: 0));

    private static CommandLineRequest.RunBridge Run(int socketsPassed, params string[] args) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(args, socketsPassed));
}

public class MaxConnectionsTests
{
    [Fact]
    public void MaxConnections_IsParsed_AndSurvivesTheHandover()
    {
        var run = Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(["-l", "127.0.0.1:80", "-c", "127.0.0.1:81", "--max-connections", "25"]));
        Assert.Equal(25, run.Settings.Relay.MaxConnections);
        Assert.Equal(25, ConnectorHandover.RoundTrip(run.Settings).Relay.MaxConnections);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("many")]
    public void MaxConnections_NotAPositiveNumber_IsAUsageError(string value) =>
        Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-l", "127.0.0.1:80", "-c", "127.0.0.1:81", "--max-connections", value]));
}
