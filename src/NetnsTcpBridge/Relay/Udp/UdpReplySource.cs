using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// Where a flow's replies leave from when its listener is bound to a wildcard address: the
/// destination the client's first datagram was sent to, as IP_PKTINFO or IPV6_PKTINFO reported
/// it. Kept inline in the flow (24 bytes); the control message is written at each send.
/// </summary>
internal unsafe struct UdpReplySource
{
    /// <summary>in_pktinfo or in6_pktinfo, whichever <see cref="_family"/> says.</summary>
    private fixed byte _info[20];

    /// <summary>AF_INET, AF_INET6, or 0: none, the kernel picks the source.</summary>
    private int _family;

    public readonly bool IsNone => _family == 0;

    /// <summary>ipi_spec_dst chooses the source address; no interface is forced.</summary>
    public static UdpReplySource ForIPv4(uint destination)
    {
        var source = new UdpReplySource { _family = Libc.AF_INET };
        *(Libc.InPktInfo*)source._info = new Libc.InPktInfo { SpecificDestination = destination };
        return source;
    }

    /// <summary>The interface too: a link-local source is only valid on the interface it came in by.</summary>
    public static UdpReplySource ForIPv6(in Libc.In6PktInfo received)
    {
        var source = new UdpReplySource { _family = Libc.AF_INET6 };
        *(Libc.In6PktInfo*)source._info = received;
        return source;
    }

    /// <summary>Writes the control message for sendmsg at <paramref name="destination"/> (room for <see cref="UdpBatch.ControlBytes"/>); returns its length, 0 for none.</summary>
    public readonly nuint WriteControl(byte* destination)
    {
        if (_family == 0)
        {
            return 0;
        }

        bool v4 = _family == Libc.AF_INET;
        int length = v4 ? sizeof(Libc.InPktInfo) : sizeof(Libc.In6PktInfo);
        var cmsg = (Libc.CmsgHdr*)destination;
        cmsg->Length = (nuint)Libc.CmsgLen(length);
        cmsg->Level = v4 ? Libc.SOL_IP : Libc.IPPROTO_IPV6;
        cmsg->Type = v4 ? Libc.IP_PKTINFO : Libc.IPV6_PKTINFO;
        fixed (byte* info = _info)
        {
            Buffer.MemoryCopy(info, destination + Libc.CmsgAlign(sizeof(Libc.CmsgHdr)), length, length);
        }

        return (nuint)Libc.CmsgSpace(length);
    }
}
