using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Parts;
using NetnsTcpBridge.Parts.Connector;
using NetnsTcpBridge.Parts.Listener;

namespace NetnsTcpBridge;

/// <summary>Entry points of the bridge: the process the user starts, and the images it starts of itself.</summary>
public static class BridgeRunner
{
    /// <summary>
    /// Runs the listener part, which starts the connector parts and then replaces its own image
    /// with the serving listener; returns only on failure, with the exit status.
    /// </summary>
    public static int Run(BridgeSettings settings) => ListenerSetup.Run(settings);

    /// <summary>
    /// When this process is one the bridge started of itself (a connector part, or the serving
    /// listener that its set-up image replaced itself with), the part to run; else null, and the
    /// program goes on to its command line. A program that hosts the bridge asks this first,
    /// before it parses its own arguments.
    /// </summary>
    public static Func<int>? PartToRun(IReadOnlyList<string> args)
    {
        if (args is [ConnectorLaunch.Argument])
        {
            return ConnectorPart.Run;
        }

        string? handoff = Environment.GetEnvironmentVariable(ListenerHandoff.Variable);
        return int.TryParse(handoff, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int fd)
            ? () => RunServingListener(fd)
            : null;
    }

    private static int RunServingListener(int handoffFd)
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
}
