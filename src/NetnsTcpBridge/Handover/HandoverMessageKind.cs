namespace NetnsTcpBridge.Handover;

/// <summary>The first byte of every message on the listener-to-connector channel.</summary>
/// <remarks>
/// In order: one Settings record, then a Listening record for each route's listening socket (or,
/// for a bridge with a pre-accepted client, one Client record), and, when the bridge stops or
/// after the one client, an End record.
/// </remarks>
public enum HandoverMessageKind : byte
{
    /// <summary>Settings for the connector as UTF-8 text; may carry the one <c>-C</c> socket.</summary>
    Settings = (byte)'C',

    /// <summary>The listening socket of one route (the route number is the text): the connector accepts on it itself.</summary>
    Listening = (byte)'L',

    /// <summary>The one pre-accepted client (-S, or socket activation with Accept=yes); no text.</summary>
    Client = (byte)'S',

    /// <summary>No more clients will be taken: finish the open connections, then exit.</summary>
    End = (byte)'E',
}
