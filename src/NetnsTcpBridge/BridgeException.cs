namespace NetnsTcpBridge;

/// <summary>
/// A failure the user can act on. Its message is one line: what failed, on what, why, and what to do.
/// </summary>
public sealed class BridgeException : Exception
{
    public BridgeException(string message)
        : base(message)
    {
    }

    public BridgeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
