using System.Text.RegularExpressions;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>--help and --version: exit 0, output on stdout.</summary>
public sealed class HelpAndVersionTests : IntegrationTest
{
    public HelpAndVersionTests(ITestOutputHelper output)
        : base(output)
    {
    }

    private static readonly string[] LongOptions =
    [
        "--listen", "--listen-fd", "--preaccepted-fd", "--connect", "--connect-fd",
        "--listen-netns-file", "--listen-netns-fd", "--connect-netns-file", "--connect-netns-fd",
        "--connect-timeout", "--verbose", "--help", "--version",
    ];

    [Fact]
    public Task Help_ExitsZeroAndListsEveryLongOption() => WithTimeout(async () =>
    {
        var (status, bridge) = await RunBridgeToEndAsync(["--help"]);

        Assert.True(status == new ExitStatus(0, 0), bridge.Describe());
        string help = bridge.Stdout;
        var missing = LongOptions
            .Where(option => !Regex.IsMatch(help, $"{Regex.Escape(option)}(?![-\\w])"))
            .ToList();
        Assert.True(missing.Count == 0, $"--help does not mention {string.Join(", ", missing)}:\n{help}");
        Assert.Equal(string.Empty, bridge.Stderr);
    });

    [Fact]
    public Task Version_ExitsZeroAndPrintsNameAndVersion() => WithTimeout(async () =>
    {
        var (status, bridge) = await RunBridgeToEndAsync(["--version"]);

        Assert.True(status == new ExitStatus(0, 0), bridge.Describe());
        Assert.Matches(@"^netns_tcp_bridge\s+\d+\.\d+", bridge.Stdout);
    });
}
