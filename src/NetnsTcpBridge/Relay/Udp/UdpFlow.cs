namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// One client address of one UDP listener, and the connected socket in the connect netns that
/// carries its datagrams to the target and the target's replies back. Owned by the relay's thread.
/// </summary>
internal sealed class UdpFlow
{
    public UdpFlow(UdpFlowKey key, int socket, byte[] clientAddress, byte[]? replyControl, long now)
    {
        Key = key;
        Socket = socket;
        ClientAddress = clientAddress;
        ReplyControl = replyControl;
        Started = now;
        LastActive = now;
    }

    public UdpFlowKey Key { get; }

    /// <summary>The flow's connected socket in the connect netns; closed by the relay when the flow ends.</summary>
    public int Socket { get; }

    /// <summary>The client's sockaddr, as the kernel gave it: where replies go.</summary>
    public byte[] ClientAddress { get; }

    /// <summary>For a listener on a wildcard address: the control message that makes a reply leave from the address the client sent to.</summary>
    public byte[]? ReplyControl { get; }

    public long Started { get; }

    /// <summary>When a datagram last moved either way (the relay's clock, TickCount64).</summary>
    public long LastActive { get; set; }

    public int Slot { get; set; } = -1;

    public uint Generation { get; set; }

    /// <summary>Neighbours in the relay's list of flows by last activity, oldest first.</summary>
    public UdpFlow? Older { get; set; }

    public UdpFlow? Newer { get; set; }

    public long DatagramsClientToServer { get; set; }

    public long DatagramsServerToClient { get; set; }

    public long BytesClientToServer { get; set; }

    public long BytesServerToClient { get; set; }
}
