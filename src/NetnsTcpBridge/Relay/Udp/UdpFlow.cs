using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// One client address of one UDP listener, and the connected socket in the connect netns that
/// carries its datagrams to the target and the target's replies back. A record of 128 bytes in
/// the flow table's native memory, holding everything a flow needs (the client's address is its
/// key), so that an idle flow costs no object of its own. Used by the relay's thread alone.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UdpFlow
{
    public UdpFlowKey Key;

    /// <summary>The flow's connected socket in the connect netns; closed by the relay when the flow ends.</summary>
    public int Socket;

    /// <summary>The record's place in the table, also the low half of its epoll token; -1 while the record is free.</summary>
    public int Slot;

    /// <summary>The high half of its epoll token, new for every flow, so that an event for an ended flow finds none.</summary>
    public uint Generation;

    /// <summary>Neighbours (slots) in the table's list of flows by last activity, oldest first; -1 for none. A free record's Newer links the free list.</summary>
    public int Older;

    public int Newer;

    /// <summary>For a listener on a wildcard address: the address a reply leaves from, the one the client sent to.</summary>
    public UdpReplySource ReplySource;

    public long Started;

    /// <summary>When a datagram last moved either way (the relay's clock, TickCount64).</summary>
    public long LastActive;

    public long DatagramsClientToServer;

    public long DatagramsServerToClient;

    public long BytesClientToServer;

    public long BytesServerToClient;
}
