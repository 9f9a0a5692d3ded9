using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// A flow's identity: the listening socket a client's datagrams came in on, and the client's
/// address and port (with an IPv6 scope). A value compared field by field, so looking one up
/// allocates nothing; it holds all of the client's sockaddr that replies need.
/// </summary>
internal readonly record struct UdpFlowKey(int Listener, ulong High, ulong Low, uint FamilyAndPort, uint Scope)
{
    /// <summary>sockaddr_in6, the larger of the two.</summary>
    public const int MaxAddressBytes = 28;

    /// <summary>The key of a datagram from the sockaddr_in or sockaddr_in6 at <paramref name="address"/>.</summary>
    public static unsafe UdpFlowKey From(int listener, byte* address)
    {
        ushort family = *(ushort*)address;
        uint familyAndPort = ((uint)family << 16) | *(ushort*)(address + 2);
        return family == Libc.AF_INET6
            ? new UdpFlowKey(listener, *(ulong*)(address + 8), *(ulong*)(address + 16), familyAndPort, *(uint*)(address + 24))
            : new UdpFlowKey(listener, 0, *(uint*)(address + 4), familyAndPort, 0);
    }

    /// <summary>Writes the client's sockaddr_in or sockaddr_in6 (flow label 0) at <paramref name="destination"/>; returns its length.</summary>
    public unsafe uint WriteAddress(byte* destination)
    {
        ushort family = (ushort)(FamilyAndPort >> 16);
        *(ushort*)destination = family;
        *(ushort*)(destination + 2) = (ushort)FamilyAndPort;
        if (family == Libc.AF_INET6)
        {
            *(uint*)(destination + 4) = 0;
            *(ulong*)(destination + 8) = High;
            *(ulong*)(destination + 16) = Low;
            *(uint*)(destination + 24) = Scope;
            return 28;
        }

        *(uint*)(destination + 4) = (uint)Low;
        *(ulong*)(destination + 8) = 0;
        return 16;
    }

    /// <summary>Seeded per process (HashCode), so that clients cannot choose ports that collide in the flow table.</summary>
    public override int GetHashCode() => HashCode.Combine(Listener, High, Low, FamilyAndPort, Scope);
}
