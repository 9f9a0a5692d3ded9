using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

// recvmmsg/sendmmsg: many datagrams per system call (the UDP relay), and the IP_PKTINFO family
// that tells a socket bound to a wildcard address which address a datagram was sent to.
internal static partial class Libc
{
    internal const int SOL_IP = 0;
    internal const int IP_PKTINFO = 8;
    internal const int IPV6_RECVPKTINFO = 49;
    internal const int IPV6_PKTINFO = 50;

    /// <summary>struct mmsghdr: a msghdr and the byte count the call filled in for it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>struct in_pktinfo.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct InPktInfo
    {
        public int InterfaceIndex;
        public uint SpecificDestination;
        public uint Address;
    }

    /// <summary>struct in6_pktinfo.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct In6PktInfo
    {
        public fixed byte Address[16];
        public int InterfaceIndex;
    }

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    internal static unsafe partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    internal static unsafe partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);
}
