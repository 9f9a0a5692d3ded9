using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using Xunit;

namespace NetnsTcpBridge.Tests.CommandLine;

public sealed class RuleAndConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ntb-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ConfigFile_ThreeSections_AreThreeRulesInOrder_WithTheirNamespaces()
    {
        string path = WriteConfig(
            "# three forwards",
            "[web]",
            "listen = 127.0.0.1:8080",
            "listen-netns = front",
            "connect = 127.0.0.1:80",
            "connect-netns = pid:4242",
            "",
            "; another comment",
            "[db]",
            "listen=unix:/run/db.sock",
            "unix-mode = 660",
            "connect=db.internal:5432",
            "[any]",
            "listen = [::]:9000",
            "dual-stack = no",
            "connect = unix:@app",
            "connect-netns = /proc/1/ns/net");

        var rules = Run("--config", path).Settings.Rules;

        Assert.Equal(["web", "db", "any"], rules.Select(rule => rule.Name));
        Assert.Equal(new ListenSource.Address(IPEndPoint.Parse("127.0.0.1:8080")), rules[0].Listen);
        Assert.Equal(new NamespaceReference.Named("front"), rules[0].ListenNamespace);
        Assert.Equal(new NamespaceReference.OfProcess(4242), rules[0].ConnectNamespace);
        Assert.Equal(new ConnectTarget.HostName("db.internal", 5432), rules[1].Connect);
        Assert.Equal((UnixFileMode)Convert.ToInt32("660", 8), rules[1].UnixSocketMode);
        Assert.Null(rules[1].ListenNamespace);
        Assert.False(rules[2].DualStack);
        Assert.Equal(new NamespaceReference.File("/proc/1/ns/net"), rules[2].ConnectNamespace);
    }

    [Fact]
    public void RuleOption_IsRepeatable_AndUnnamedRulesAreNumbered()
    {
        var rules = Run(
            "--rule", "name=web,listen=127.0.0.1:1,connect=127.0.0.1:2,connect-netns=b",
            "--rule", "listen=127.0.0.1:3,connect=127.0.0.1:4").Settings.Rules;

        Assert.Equal(["web", "rule2"], rules.Select(rule => rule.Name));
        Assert.Equal(new NamespaceReference.Named("b"), rules[0].ConnectNamespace);
    }

    [Fact]
    public void ConfigAndRules_Combine_ConfigFirst()
    {
        string path = WriteConfig("[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2");

        var rules = Run("--rule", "name=b,listen=127.0.0.1:3,connect=127.0.0.1:4", "--config", path).Settings.Rules;

        Assert.Equal(["a", "b"], rules.Select(rule => rule.Name));
    }

    [Fact]
    public void GlobalUnixModeAndDualStack_AreDefaultsThatARuleMayOverride()
    {
        var rules = Run(
            "--unix-mode", "600", "--dual-stack", "yes",
            "--rule", "name=a,listen=unix:/tmp/a,connect=127.0.0.1:1",
            "--rule", "name=b,listen=unix:/tmp/b,connect=127.0.0.1:1,unix-mode=644",
            "--rule", "name=c,listen=[::]:2,connect=127.0.0.1:1,dual-stack=no").Settings.Rules;

        Assert.Equal((UnixFileMode)Convert.ToInt32("600", 8), rules[0].UnixSocketMode);
        Assert.True(rules[0].DualStack);
        Assert.Equal((UnixFileMode)Convert.ToInt32("644", 8), rules[1].UnixSocketMode);
        Assert.Null(rules[2].UnixSocketMode); // no socket file: the default does not apply
        Assert.False(rules[2].DualStack);
    }

    /// <summary>A mode for a socket without a file (TCP, an abstract name) would be ignored: it is refused, naming why.</summary>
    [Theory]
    [InlineData(new[] { "-l", "127.0.0.1:1", "-c", "127.0.0.1:2", "--unix-mode", "600" }, "--unix-mode sets the mode of a socket file: it needs")]
    [InlineData(new[] { "-l", "unix:@front", "-c", "127.0.0.1:2", "--unix-mode", "600" }, "--unix-mode sets the mode of a socket file: it needs")]
    [InlineData(new[] { "--unix-mode", "600", "--rule", "name=a,listen=127.0.0.1:1,connect=127.0.0.1:2" }, "--unix-mode sets the mode of a socket file, but no rule listens on one")]
    [InlineData(new[] { "--rule", "name=a,listen=unix:@a,connect=127.0.0.1:2,unix-mode=600" }, "unix-mode sets the mode of a socket file: rule 'a' needs listen=unix:/path")]
    public void UnixMode_WithoutASocketFile_IsAUsageError(string[] arguments, string expected)
    {
        var e = Assert.Throws<UsageException>(() => CommandLineParser.Parse(arguments));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SingleForward_DualStack_IsExplicitOrTheKernelsDefault()
    {
        Assert.Null(Run("-l", "[::]:1", "-c", "127.0.0.1:2").Settings.Rules[0].DualStack);
        Assert.True(Run("-l", "[::]:1", "-c", "127.0.0.1:2", "--dual-stack", "yes").Settings.Rules[0].DualStack);
        Assert.False(Run("-l", "[::]:1", "-c", "127.0.0.1:2", "--dual-stack", "no").Settings.Rules[0].DualStack);
    }

    [Theory]
    [InlineData(new[] { "[web]", "listen = 127.0.0.1:1" }, ":1: rule 'web' has no 'connect'")]
    [InlineData(new[] { "listen = 127.0.0.1:1" }, ":1: 'listen' comes before any [name] header")]
    [InlineData(new[] { "[web]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "colour = blue" }, ":4: unknown key 'colour' in rule 'web'")]
    [InlineData(new[] { "[web]", "listen = 127.0.0.1:1", "listen = 127.0.0.1:3", "connect = 127.0.0.1:2" }, ":3: key 'listen' given twice in rule 'web' (first at ")]
    [InlineData(new[] { "[web", "listen = 127.0.0.1:1" }, ":1: a section header is [name]")]
    [InlineData(new[] { "[we b]" }, ":1: invalid rule name in the [name] header")]
    [InlineData(new[] { "[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "", "[a]" }, ":5: rule 'a' is defined twice (first at ")]
    [InlineData(new[] { "[a]", "listen 127.0.0.1:1" }, ":2: expected 'key = value'")]
    [InlineData(new[] { "[a]", "listen = 127.0.0.1:99999", "connect = 127.0.0.1:2" }, ":2: key listen: invalid address (a config file's values are not shown); expected IP:PORT")]
    [InlineData(new[] { "[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "unix-mode = 999" }, ":4: key unix-mode: invalid file mode (a config file's values are not shown); expected octal")]
    [InlineData(new[] { "[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "dual-stack = maybe" }, ":4: key dual-stack: invalid value (a config file's values are not shown); expected yes or no")]
    [InlineData(new[] { "[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "connect-netns = pid:x" }, ":4: key connect-netns")]
    [InlineData(new[] { "# nothing but comments" }, ": no rules")]
    public void ConfigFile_Errors_NameTheFileAndLine(string[] lines, string expected)
    {
        string path = WriteConfig(lines);

        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--config", path]));

        Assert.Contains(path + expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    /// <summary>
    /// A config file's errors quote no value and no line, only a key spelled as keys are: the
    /// file may hold secrets, or be the wrong file (a password file given by mistake), and errors
    /// go to stderr and the journal.
    /// </summary>
    [Theory]
    [InlineData("[a]", "listen = s3cr3t:1", "connect = 127.0.0.1:2")]
    [InlineData("[a]", "listen = 127.0.0.1:1", "connect = s3cr3t")]
    [InlineData("[a]", "listen = unix:s3cr3t", "connect = 127.0.0.1:2")]
    [InlineData("[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "unix-mode = s3cr3t")]
    [InlineData("[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "dual-stack = s3cr3t")]
    [InlineData("[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "proxy-protocol = s3cr3t")]
    [InlineData("[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "accept-proxy = s3cr3t")]
    [InlineData("[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "connect-netns = pid:s3cr3t")]
    [InlineData("[a]", "listen = unix:/run/a.sock", "connect = 127.0.0.1:2", "unix-owner = ntb-s3cr3t")]
    [InlineData("[a]", "listen = unix:/run/a.sock", "connect = 127.0.0.1:2", "unix-owner = nobody:ntb-s3cr3t")]
    [InlineData("[s3cr3t value]")]
    [InlineData("[s3cr3t")]
    [InlineData("[a]", "root:s3cr3t:19000:0:99999:7:::")]
    [InlineData("Zm9vOnMzY3IzdA== s3cr3t")]
    [InlineData("[a]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "Zm9vOnMzY3IzdA=s3cr3t")]
    public void ConfigFile_Errors_QuoteNoValue(params string[] lines)
    {
        string path = WriteConfig(lines);

        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--config", path]));

        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Zm9v", error.Message, StringComparison.Ordinal);
    }

    /// <summary>On the command line a rule's value is public anyway, and quoted like any option's.</summary>
    [Fact]
    public void RuleOption_Errors_QuoteTheValue()
    {
        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--rule", "listen=127.0.0.1:1,connect=127.0.0.1:2,dual-stack=maybe"]));

        Assert.Equal("--rule #1: key dual-stack: invalid value 'maybe': expected yes or no", error.Message);
    }

    [Fact]
    public void ConfigFile_Missing_IsAOneLineError_NamingThePath()
    {
        string path = Path.Combine(_directory, "absent.conf");

        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--config", path]));

        Assert.Equal($"cannot read config file {path}: no such file", error.Message);
    }

    [Fact]
    public void ConfigFile_ADirectory_IsAOneLineError_SayingSo()
    {
        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--config", _directory]));

        Assert.Equal($"cannot read config file {_directory}: it is a directory", error.Message);
    }

    [Theory]
    [InlineData("YES", true)]
    [InlineData("No", false)]
    public void RuleKeys_YesNo_AnyCase(string value, bool expected)
    {
        var rules = Run("--rule", $"listen=[::]:1,connect=127.0.0.1:2,dual-stack={value}").Settings.Rules;

        Assert.Equal(expected, rules[0].DualStack);
    }

    [Theory]
    [InlineData("listen=127.0.0.1:1", "--rule #1: rule 'rule1' has no 'connect'")]
    [InlineData("listen=127.0.0.1:1,connect", "--rule #1: expected key=value pairs separated by commas, got 'connect'")]
    [InlineData("name=a b,listen=127.0.0.1:1,connect=127.0.0.1:2", "--rule #1: invalid rule name 'a b'")]
    [InlineData("listen=127.0.0.1:1,connect=127.0.0.1:2,port=3", "--rule #1: unknown key 'port'")]
    public void RuleOption_Errors_SayWhichRule(string rule, string expected)
    {
        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--rule", rule]));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleNames_MustBeUnique_AcrossConfigAndRules()
    {
        string path = WriteConfig("[web]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2");

        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--config", path, "--rule", "name=web,listen=127.0.0.1:3,connect=127.0.0.1:4"]));

        Assert.Contains("rule name 'web' is used twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-l", "127.0.0.1:5")]
    [InlineData("-c", "127.0.0.1:5")]
    [InlineData("-S", "3")]
    [InlineData("--listen-netns", "a")]
    [InlineData("-t", "/proc/1/ns/net")]
    public void Rules_DoNotMixWithTheSingleForwardOptions(string option, string value)
    {
        var error = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--rule", "listen=127.0.0.1:1,connect=127.0.0.1:2", option, value]));

        Assert.Contains("cannot be combined with --rule or --config", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_KeepTheSharedOptions()
    {
        var settings = Run("--rule", "listen=127.0.0.1:1,connect=127.0.0.1:2", "--threads", "3", "--drain-timeout", "5").Settings;

        Assert.Equal(3, settings.Relay.Threads);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.DrainTimeout);
        Assert.False(settings.IsOneShot);
    }

    private string WriteConfig(params string[] lines)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.conf");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static CommandLineRequest.RunBridge Run(params string[] args) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(args));
}
