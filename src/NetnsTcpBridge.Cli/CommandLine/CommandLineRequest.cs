using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>What the command line asks for.</summary>
internal abstract record CommandLineRequest
{
    public sealed record ShowHelp : CommandLineRequest;

    public sealed record ShowVersion : CommandLineRequest;

    /// <summary>Run the bridge.</summary>
    public sealed record RunBridge(BridgeSettings Settings, bool Verbose, bool Quiet = false, LogFormat LogFormat = LogFormat.Text) : CommandLineRequest;
}
