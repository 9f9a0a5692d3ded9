namespace NetnsTcpBridge.Handover;

/// <summary>The first byte of every message on the listener-to-connector channel.</summary>
public enum HandoverMessageKind : byte
{
    /// <summary>Settings for the connector as UTF-8 text; may carry the one <c>-C</c> socket.</summary>
    Settings = (byte)'C',

    /// <summary>One accepted client socket; carries exactly one descriptor and no text.</summary>
    Client = (byte)'S',

    /// <summary>No more clients will follow: finish the open connections, then exit.</summary>
    End = (byte)'E',
}
