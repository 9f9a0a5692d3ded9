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

    /// <summary>Stopped because the other direction failed and the pair was reset.</summary>
    Aborted,
}

/// <summary>What one direction moved and how it ended.</summary>
public readonly record struct DirectionResult(long Bytes, DirectionEnding Ending, string? Error);

/// <summary>What a relayed connection did: bytes each way and how each direction ended.</summary>
public readonly record struct RelayResult(DirectionResult ClientToServer, DirectionResult ServerToClient)
{
    /// <summary>True when both directions ended with a FIN, as a clean TCP close does.</summary>
    public bool IsClean => ClientToServer.Ending == DirectionEnding.EndOfStream
        && ServerToClient.Ending == DirectionEnding.EndOfStream;

    public override string ToString() =>
        $"client->server {ClientToServer.Bytes} bytes ({Describe(ClientToServer)}), server->client {ServerToClient.Bytes} bytes ({Describe(ServerToClient)})";

    private static string Describe(DirectionResult direction) => direction.Ending switch
    {
        DirectionEnding.EndOfStream => "FIN",
        DirectionEnding.ReadFailed => $"read failed: {direction.Error}",
        DirectionEnding.WriteFailed => $"write failed: {direction.Error}",
        _ => "aborted",
    };
}
