using NetnsTcpBridge.Parts.Connector;
using NetnsTcpBridge.Parts.Listener;

namespace NetnsTcpBridge.Bridge;

/// <summary>Entry points of the two parts of the bridge.</summary>
public static class BridgeRunner
{
    /// <summary>
    /// The first and only argument with which the executable is re-started as the connector part.
    /// A program that hosts the bridge must check for it before parsing its own command line and
    /// call <see cref="RunConnectorPart"/>.
    /// </summary>
    public const string ConnectorPartArgument = ConnectorProcess.ConnectorArgument;

    /// <summary>Runs the listener part, which starts the connector part; returns the exit status.</summary>
    public static int Run(BridgeSettings settings) => ListenerPart.Run(settings);

    /// <summary>Runs the connector part in a process started by <see cref="Run"/>; returns the exit status.</summary>
    public static int RunConnectorPart() => ConnectorPart.Run();
}
