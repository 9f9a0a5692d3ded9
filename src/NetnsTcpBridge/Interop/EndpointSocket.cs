using System.Net;

namespace NetnsTcpBridge.Interop;

/// <summary>socket(2) for an endpoint's address family, non-blocking and close-on-exec.</summary>
internal static class EndpointSocket
{
    /// <summary>
    /// A socket of <paramref name="type"/> (SOCK_STREAM, SOCK_DGRAM) in the calling thread's network
    /// namespace, owned by the caller. A failure throws, naming socket and <paramref name="shownAs"/>.
    /// </summary>
    public static FileDescriptor Create(EndPoint endpoint, int type, string shownAs)
    {
        int fd = Libc.Socket(SocketAddressFamily.ToNative(endpoint.AddressFamily), type | Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK, 0);
        return fd >= 0 ? new FileDescriptor(fd) : throw SyscallException.FromLastError("socket", shownAs);
    }
}
