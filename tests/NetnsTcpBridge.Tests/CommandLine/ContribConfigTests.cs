using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using Xunit;

namespace NetnsTcpBridge.Tests.CommandLine;

/// <summary>The example config file that ships in contrib/ must stay valid as the keys evolve.</summary>
public class ContribConfigTests
{
    [Fact]
    public void ShippedExampleConfig_Parses_IntoItsThreeRules()
    {
        string path = Path.Combine(RepositoryRoot(), "contrib", "netns_tcp_bridge.conf");

        var run = Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(["--config", path]));

        Assert.Equal(["web", "db", "metrics"], run.Settings.Rules.Select(rule => rule.Name));
        Assert.Equal(new NamespaceReference.OfProcess(4242), run.Settings.Rules[1].ConnectNamespace);
        Assert.False(run.Settings.Rules[2].DualStack);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NetnsTcpBridge.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"NetnsTcpBridge.slnx not found above {AppContext.BaseDirectory}");
    }
}
