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

    /// <summary>
    /// Runs the listener part, which starts the connector part and then replaces its own image
    /// with the serving listener (<see cref="RunServingListener"/>); returns only on failure, with
    /// the exit status.
    /// </summary>
    public static int Run(BridgeSettings settings) => ListenerSetup.Run(settings);

    /// <summary>
    /// The descriptor of the hand-off from the set-up image when this process is the serving
    /// listener (the environment says so), else null. A program that hosts the bridge must check
    /// it before parsing its own command line and call <see cref="RunServingListener"/>.
    /// </summary>
    public static int? ServingListenerHandoff()
    {
        string? value = Environment.GetEnvironmentVariable(ListenerHandoff.Variable);
        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int fd) ? fd : null;
    }

    /// <summary>Runs the serving listener from the hand-off at <paramref name="handoffFd"/>; returns the exit status.</summary>
    public static int RunServingListener(int handoffFd)
    {
        Environment.SetEnvironmentVariable(ListenerHandoff.Variable, null);
        string text;
        using (var pipe = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(handoffFd, ownsHandle: true), FileAccess.Read))
        using (var reader = new StreamReader(pipe))
        {
            text = reader.ReadToEnd();
        }

        return ListenerPart.Run(ListenerHandoff.Parse(text));
    }

    /// <summary>Runs the connector part in a process started by <see cref="Run"/>; returns the exit status.</summary>
    public static int RunConnectorPart() => ConnectorPart.Run();
}
