namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// What one end of a TCP connection observed, in words that compare exactly: the bytes it read
/// (in order), how its reading ended and how its writing went.
/// </summary>
/// <param name="Received">Bytes read, from <see cref="PeerProbe.DescribeBytes"/> or <see cref="PeerProbe.ReceiveMarkingUrgentAsync"/>.</param>
/// <param name="Ending">How reading ended: <c>EOF</c>, an errno name such as <c>ECONNRESET</c>, <c>connect failed: ECONNREFUSED</c>, or what the peer itself did.</param>
/// <param name="Writing"><c>ok</c>, the errno name of the failed write, or <c>-</c> when nothing was written.</param>
public sealed record PeerObservation(string Received, string Ending, string Writing = "-")
{
    public override string ToString() => $"[received {Received}; reading ended with {Ending}; writing: {Writing}]";
}

/// <summary>What both ends of one connection observed.</summary>
public sealed record ConnectionObservation(PeerObservation Client, PeerObservation Server)
{
    public override string ToString() => $"client {Client}, server {Server}";
}
