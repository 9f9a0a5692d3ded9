using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// The UDP relay's one set of buffers for recvmmsg and sendmmsg, allocated once: per slot a
/// message header, its iovec, a 64 KiB buffer (a datagram's payload is at most 65,527 bytes),
/// room for a socket address and for control messages. A batch is received into it and sent
/// on from it, so no datagram is ever copied or allocated for.
/// </summary>
internal sealed unsafe class UdpBatch : IDisposable
{
    /// <summary>Datagrams per recvmmsg/sendmmsg call.</summary>
    public const int Size = 32;

    public const int BufferBytes = 64 * 1024;

    /// <summary>sockaddr_in6 is 28 bytes; 32 keeps the slots aligned.</summary>
    public const int AddressBytes = 32;

    /// <summary>One in6_pktinfo control message takes 40 bytes.</summary>
    public const int ControlBytes = 64;

    private readonly byte* _memory;

    public UdpBatch()
    {
        nuint headers = (nuint)(Size * (sizeof(Libc.MMsgHdr) + sizeof(Libc.IoVec) + AddressBytes + ControlBytes));
        nuint total = headers + (Size * BufferBytes);
        _memory = (byte*)NativeMemory.AlignedAlloc(total, 64);

        // The headers only: the 2 MiB of buffers are written by the kernel before they are read,
        // and a page nobody touches costs no memory (an allocation this large is fresh mmap).
        NativeMemory.Clear(_memory, headers);
        Messages = (Libc.MMsgHdr*)_memory;
        Vectors = (Libc.IoVec*)(Messages + Size);
        Addresses = (byte*)(Vectors + Size);
        Controls = Addresses + (Size * AddressBytes);
        Buffers = Controls + (Size * ControlBytes);
    }

    public Libc.MMsgHdr* Messages { get; }

    public Libc.IoVec* Vectors { get; }

    public byte* Addresses { get; }

    public byte* Controls { get; }

    public byte* Buffers { get; }

    public byte* Address(int slot) => Addresses + (slot * AddressBytes);

    public byte* Control(int slot) => Controls + (slot * ControlBytes);

    /// <summary>Readies every slot for recvmmsg: a full buffer, room for the sender's address, and for control messages when asked.</summary>
    public void PrepareReceive(bool withAddress, bool withControl)
    {
        for (int i = 0; i < Size; i++)
        {
            Vectors[i].Base = Buffers + ((nint)i * BufferBytes);
            Vectors[i].Length = BufferBytes;
            ref var header = ref Messages[i].Header;
            header.Name = withAddress ? Address(i) : null;
            header.NameLength = withAddress ? AddressBytes : 0u;
            header.Iov = Vectors + i;
            header.IovLength = 1;
            header.Control = withControl ? Control(i) : null;
            header.ControlLength = withControl ? (nuint)ControlBytes : 0;
            header.Flags = 0;
            Messages[i].Length = 0;
        }
    }

    /// <summary>Readies slot <paramref name="slot"/>, as received, to be sent on a connected socket: its bytes only.</summary>
    public void PrepareSendConnected(int slot)
    {
        Vectors[slot].Length = Messages[slot].Length;
        ref var header = ref Messages[slot].Header;
        header.Name = null;
        header.NameLength = 0;
        header.Control = null;
        header.ControlLength = 0;
        header.Flags = 0;
    }

    /// <summary>Readies slot <paramref name="slot"/>, as received, to be sent to the sockaddr at <paramref name="name"/>, with the control message at <paramref name="control"/> (a reply's source address) if any.</summary>
    public void PrepareSendTo(int slot, byte* name, uint nameLength, byte* control, nuint controlLength)
    {
        Vectors[slot].Length = Messages[slot].Length;
        ref var header = ref Messages[slot].Header;
        header.Name = name;
        header.NameLength = nameLength;
        header.Control = controlLength == 0 ? null : control;
        header.ControlLength = controlLength;
        header.Flags = 0;
    }

    public void Dispose() => NativeMemory.AlignedFree(_memory);
}
