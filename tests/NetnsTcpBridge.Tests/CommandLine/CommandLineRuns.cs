using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using Xunit;

namespace NetnsTcpBridge.Tests.CommandLine;

/// <summary>The two ways a command line ends that the option tests check: a bridge to run, or one usage error.</summary>
internal static class CommandLineRuns
{
    /// <summary>The settings of a command line that must run a bridge.</summary>
    public static BridgeSettings Run(params string[] args) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(args)).Settings;

    /// <summary>The usage error of a command line that must be refused, checked to be one line.</summary>
    public static UsageException Fails(params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => CommandLineParser.Parse(args));
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }
}
