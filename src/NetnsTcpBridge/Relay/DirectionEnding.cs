namespace NetnsTcpBridge.Relay;

/// <summary>How one direction of a relayed connection ended.</summary>
public enum DirectionEnding
{
    /// <summary>The sender closed its side (FIN); the receiver got a FIN in turn.</summary>
    EndOfStream,

    /// <summary>Reading from the sender failed, e.g. it reset the connection.</summary>
    ReadFailed,

    /// <summary>Writing to the receiver failed, e.g. it had reset or closed the connection.</summary>
    WriteFailed,
}
