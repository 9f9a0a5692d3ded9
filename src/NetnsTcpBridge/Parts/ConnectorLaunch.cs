namespace NetnsTcpBridge.Parts;

/// <summary>
/// What the listener and the connector it starts agree on: the argument that makes the
/// executable a connector, and the descriptor numbers at which the connector finds its ends of
/// the hand-over channel and of the statistics link.
/// </summary>
internal static class ConnectorLaunch
{
    /// <summary>The first and only argument of a connector part.</summary>
    public const string Argument = "--connector-part";

    /// <summary>The connector's end of the SEQPACKET hand-over channel.</summary>
    public const int ChannelDescriptor = 3;

    /// <summary>The connector's end of the statistics link, with --metrics; absent otherwise.</summary>
    public const int StatisticsDescriptor = 4;
}
