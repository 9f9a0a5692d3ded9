using NetnsTcpBridge.Bridge;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>What the command line asks for.</summary>
internal abstract record CommandLineRequest
{
    public sealed record ShowHelp : CommandLineRequest;

    public sealed record ShowVersion : CommandLineRequest;

    /// <summary>Run the bridge.</summary>
    public sealed record RunBridge(BridgeSettings Settings, bool Verbose, bool Quiet = false) : CommandLineRequest;
}
