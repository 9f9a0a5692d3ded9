using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Privileges;
using Xunit;
using static NetnsTcpBridge.Tests.CommandLine.CommandLineRuns;

namespace NetnsTcpBridge.Tests.CommandLine;

/// <summary>--metrics, --metrics-netns, --user, --unix-owner and --exit-with-netns-owner on the command line.</summary>
public class ServiceOptionsTests
{
    private static readonly string[] Base = ["-l", "127.0.0.1:8080", "-c", "127.0.0.1:9090"];

    // ---- --metrics, --metrics-netns ----------------------------------------------------------

    [Fact]
    public void NoMetricsOption_NoEndpoint()
    {
        Assert.Null(Run(Base).Settings.Metrics);
    }

    [Theory]
    [InlineData("127.0.0.1:9464", "127.0.0.1", 9464)]
    [InlineData("[::1]:9464", "::1", 9464)]
    [InlineData("0.0.0.0:0", "0.0.0.0", 0)]
    public void Metrics_TcpAddress_ListensInTheListenNetnsByDefault(string value, string ip, int port)
    {
        var run = Run([.. Base, "--metrics", value]);

        Assert.Equal(new MetricsEndpoint(new IPEndPoint(IPAddress.Parse(ip), port), MetricsNamespace.Start), run.Settings.Metrics);
    }

    [Theory]
    [InlineData("start", MetricsNamespace.Start)]
    [InlineData("listen", MetricsNamespace.Listen)]
    [InlineData("connect", MetricsNamespace.Connect)]
    public void MetricsNetns_ChoosesTheSide(string side, MetricsNamespace expected)
    {
        var run = Run([.. Base, "--metrics=127.0.0.1:9464", "--metrics-netns", side]);

        Assert.Equal(expected, run.Settings.Metrics!.Namespace);
    }

    [Theory]
    [InlineData("unix:/run/metrics.sock", "served over TCP")]
    [InlineData("localhost:9464", "invalid address 'localhost:9464'")]
    [InlineData("127.0.0.1", "invalid address '127.0.0.1'")]
    [InlineData("127.0.0.1:65536", "invalid address")]
    public void Metrics_NotAnIpAndPort_IsRejected(string value, string expected)
    {
        var e = Fails([.. Base, "--metrics", value]);

        Assert.Contains("--metrics", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("both")]
    [InlineData("Listen")]
    [InlineData("")]
    public void MetricsNetns_UnknownSide_IsRejected(string side)
    {
        var e = Fails([.. Base, "--metrics", "127.0.0.1:9464", "--metrics-netns", side]);

        Assert.Contains($"invalid value '{side}' for --metrics-netns: expected start, listen or connect", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MetricsNetns_WithoutMetrics_IsRejected()
    {
        var e = Fails([.. Base, "--metrics-netns", "connect"]);

        Assert.Contains("--metrics-netns", e.Message, StringComparison.Ordinal);
        Assert.Contains("needs --metrics ADDR", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_GivenTwice_IsRejected()
    {
        var e = Fails([.. Base, "--metrics", "127.0.0.1:1", "--metrics", "127.0.0.1:2"]);

        Assert.Contains("--metrics given more than once", e.Message, StringComparison.Ordinal);
    }

    // ---- --user ------------------------------------------------------------------------------

    [Fact]
    public void User_ByName_TakesTheUsersPrimaryGroup()
    {
        var run = Run([.. Base, "--user", "nobody"]);

        Assert.Equal(new RunAsUser(65534, 65534, "nobody"), run.Settings.RunAs);
    }

    [Theory]
    [InlineData("nobody:nogroup", 65534u, 65534u)]
    [InlineData("nobody:100", 65534u, 100u)]
    [InlineData("1234:5678", 1234u, 5678u)]
    [InlineData("65534", 65534u, 65534u)]
    [InlineData("daemon:nogroup", 1u, 65534u)]
    public void User_WithGroupOrNumbers_ResolvesBoth(string value, uint userId, uint groupId)
    {
        var run = Run([.. Base, $"--user={value}"]);

        Assert.Equal(new RunAsUser(userId, groupId, value), run.Settings.RunAs);
    }

    [Theory]
    [InlineData("ntb-no-such-user", "no user named 'ntb-no-such-user'")]
    [InlineData("nobody:ntb-no-such-group", "no group named 'ntb-no-such-group'")]
    [InlineData("root", "is root (uid 0)")]
    [InlineData("0:0", "is root (uid 0)")]
    [InlineData("54321", "user id 54321 has no entry in the user database")]
    [InlineData("4294967295", "user id 4294967295 is out of range")]
    [InlineData("nobody:4294967295", "group id 4294967295 is out of range")]
    [InlineData("", "the user is missing")]
    [InlineData(":nogroup", "the user is missing")]
    [InlineData("nobody:", "the group after ':' is missing")]
    public void User_Unknown_OrRoot_OrMalformed_IsAUsageErrorNamingIt(string value, string expected)
    {
        var e = Fails([.. Base, "--user", value]);

        Assert.Contains($"invalid value '{value}' for --user", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    // ---- --unix-owner ------------------------------------------------------------------------

    [Theory]
    [InlineData("nobody", 65534u, null)]
    [InlineData("nobody:nogroup", 65534u, 65534u)]
    [InlineData(":nogroup", null, 65534u)]
    [InlineData("1234:5678", 1234u, 5678u)]
    [InlineData("54321", 54321u, null)]
    [InlineData("root:root", 0u, 0u)]
    public void UnixOwner_AsChownTakesIt(string value, uint? userId, uint? groupId)
    {
        var run = Run(["-l", "unix:/run/ntb.sock", "-c", "127.0.0.1:80", "--unix-owner", value]);

        Assert.Equal(new FileOwner(userId, groupId, value), run.Settings.Rules[0].UnixSocketOwner);
    }

    [Theory]
    [InlineData("ntb-no-such-user", "no user named 'ntb-no-such-user'")]
    [InlineData(":ntb-no-such-group", "no group named 'ntb-no-such-group'")]
    [InlineData("", "write USER, USER:GROUP or :GROUP")]
    [InlineData(":", "write USER, USER:GROUP or :GROUP")]
    [InlineData("nobody:", "write USER, USER:GROUP or :GROUP")]
    public void UnixOwner_UnknownOrMalformed_IsAUsageErrorNamingIt(string value, string expected)
    {
        var e = Fails(["-l", "unix:/run/ntb.sock", "-c", "127.0.0.1:80", "--unix-owner", value]);

        Assert.Contains($"invalid value '{value}' for --unix-owner", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-l", "127.0.0.1:8080")]
    [InlineData("-l", "unix:@abstract")]
    [InlineData("-L", "3")]
    public void UnixOwner_WithoutASocketFile_IsRejected(string option, string value)
    {
        var e = Fails([option, value, "-c", "127.0.0.1:80", "--unix-owner", "nobody"]);

        Assert.Contains("--unix-owner sets the owner of a socket file: it needs -l/--listen unix:/path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnixOwner_WithRules_IsTheDefaultOfThoseOnASocketFile_AndARuleMaySetItsOwn()
    {
        var run = Run([
            "--unix-owner", "nobody",
            "--rule", "name=a,listen=unix:/run/a.sock,connect=127.0.0.1:80",
            "--rule", "name=b,listen=127.0.0.1:81,connect=127.0.0.1:80",
            "--rule", "name=c,listen=unix:/run/c.sock,connect=127.0.0.1:80,unix-owner=:nogroup",
        ]);

        Assert.Equal(
            [new FileOwner(65534, null, "nobody"), null, new FileOwner(null, 65534, ":nogroup")],
            run.Settings.Rules.Select(rule => rule.UnixSocketOwner));
    }

    [Fact]
    public void UnixOwner_RuleKeyOnATcpListener_IsRejected()
    {
        var e = Fails(["--rule", "name=a,listen=127.0.0.1:81,connect=127.0.0.1:80,unix-owner=nobody"]);

        Assert.Contains("unix-owner sets the owner of a socket file: rule 'a' needs listen=unix:/path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnixOwner_RuleKeyUnknownUser_NamesTheRuleAndTheUser()
    {
        var e = Fails(["--rule", "name=a,listen=unix:/run/a.sock,connect=127.0.0.1:80,unix-owner=ntb-no-such-user"]);

        Assert.Contains("--rule #1: key unix-owner", e.Message, StringComparison.Ordinal);
        Assert.Contains("no user named 'ntb-no-such-user'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnixOwner_WithRulesNoneOnASocketFile_IsRejected()
    {
        var e = Fails(["--unix-owner", "nobody", "--rule", "name=a,listen=127.0.0.1:81,connect=127.0.0.1:80"]);

        Assert.Contains("no rule listens on one", e.Message, StringComparison.Ordinal);
    }

    // ---- --exit-with-netns-owner -------------------------------------------------------------

    [Fact]
    public void ExitWithNetnsOwner_WithRules_WatchesEveryProcessNamedByPid_EachOnce()
    {
        var run = Run([
            "--exit-with-netns-owner",
            "--rule", "name=a,listen=127.0.0.1:81,connect=127.0.0.1:80,connect-netns=pid:10",
            "--rule", "name=b,listen=127.0.0.1:82,listen-netns=pid:10,connect=127.0.0.1:80,connect-netns=/proc/20/ns/net",
            "--rule", "name=c,listen=127.0.0.1:83,listen-netns=web,connect=127.0.0.1:80",
        ]);

        Assert.Equal([new NamespaceOwner(10, "connect"), new NamespaceOwner(20, "connect")], run.Settings.NamespaceOwners);
    }

    [Fact]
    public void ExitWithNetnsOwner_WithRulesNoneByPid_IsRejected()
    {
        var e = Fails(["--exit-with-netns-owner", "--rule", "name=a,listen=127.0.0.1:81,connect=127.0.0.1:80,connect-netns=web"]);

        Assert.Contains("--exit-with-netns-owner follows the process whose netns was named by PID", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string[], int, string> OwnerForms() => new()
    {
        { ["--listen-netns", "pid:4242"], 4242, "listen" },
        { ["--connect-netns", "pid:17"], 17, "connect" },
        { ["-f", "/proc/4242/ns/net"], 4242, "listen" },
        { ["-t", "/proc/99/ns/net"], 99, "connect" },
        { ["--connect-netns", "/proc/5/ns/net"], 5, "connect" },
    };

    [Theory]
    [MemberData(nameof(OwnerForms))]
    public void ExitWithNetnsOwner_WithANetnsNamedByPid_WatchesThatProcess(string[] netns, int pid, string role)
    {
        var run = Run([.. Base, .. netns, "--exit-with-netns-owner"]);

        Assert.True(run.Settings.ExitWithNamespaceOwner);
        Assert.Equal([new NamespaceOwner(pid, role)], run.Settings.NamespaceOwners);
    }

    [Fact]
    public void ExitWithNetnsOwner_BothSidesByPid_WatchesBoth()
    {
        var run = Run([.. Base, "--listen-netns", "pid:10", "-t", "/proc/20/ns/net", "--exit-with-netns-owner"]);

        Assert.Equal([new NamespaceOwner(10, "listen"), new NamespaceOwner(20, "connect")], run.Settings.NamespaceOwners);
    }

    public static TheoryData<string[]> NotByPid() => new()
    {
        { [] },
        { ["--listen-netns", "web"] },
        { ["-f", "/run/netns/web"] },
        { ["-F", "5"] },
        { ["-t", "/proc/self/ns/net"] },
        { ["-t", "/proc/42/ns/mnt"] },
        { ["--connect-netns", "/proc/42/task/43/ns/net"] },
    };

    [Theory]
    [MemberData(nameof(NotByPid))]
    public void ExitWithNetnsOwner_WithoutANetnsNamedByPid_IsRejected(string[] netns)
    {
        var e = Fails([.. Base, .. netns, "--exit-with-netns-owner"]);

        Assert.Contains("--exit-with-netns-owner follows the process whose netns was named by PID", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExitWithNetnsOwner_TakesNoValue()
    {
        var e = Fails([.. Base, "--listen-netns", "pid:1", "--exit-with-netns-owner=yes"]);

        Assert.Contains("takes no value", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExitWithNetnsOwner_NotGiven_IsOff()
    {
        Assert.False(Run([.. Base, "--listen-netns", "pid:1"]).Settings.ExitWithNamespaceOwner);
    }

    private static CommandLineRequest.RunBridge Run(string[] args) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(args));
}
