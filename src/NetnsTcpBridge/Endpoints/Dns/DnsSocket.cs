using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>
/// A non-blocking UDP or TCP socket for talking to one nameserver, with waits bounded by a deadline.
/// </summary>
/// <remarks>
/// Created by the calling thread, so it belongs to that thread's network namespace: the resolver
/// runs on a thread inside the connect namespace, and its queries leave from there.
/// </remarks>
internal sealed class DnsSocket : IDisposable
{
    private readonly FileDescriptor _descriptor;

    private DnsSocket(FileDescriptor descriptor)
    {
        _descriptor = descriptor;
    }

    private int Fd => _descriptor.Number;

    /// <summary>A new socket of <paramref name="type"/> (SOCK_DGRAM or SOCK_STREAM) for <paramref name="server"/>'s family; 0 or the errno in <paramref name="errno"/>.</summary>
    public static DnsSocket? Open(IPEndPoint server, int type, out int errno)
    {
        int family = server.AddressFamily == AddressFamily.InterNetworkV6 ? Libc.AF_INET6 : Libc.AF_INET;
        int fd = Libc.Socket(family, type | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;

        // From here the new DnsSocket owns the descriptor and closes it on Dispose.
        return fd < 0 ? null : new DnsSocket(new FileDescriptor(fd));
    }

    /// <summary>Milliseconds on the monotonic clock after which a wait of <paramref name="timeout"/> from now is over.</summary>
    public static long DeadlineAfter(TimeSpan timeout) => Environment.TickCount64 + (long)timeout.TotalMilliseconds;

    /// <summary>connect(2): 0, or the errno (EINPROGRESS for a TCP connect under way).</summary>
    public unsafe int Connect(IPEndPoint server)
    {
        SocketAddress address = server.Serialize();
        ReadOnlySpan<byte> bytes = address.Buffer.Span[..address.Size];
        fixed (byte* pointer = bytes)
        {
            return Libc.Connect(Fd, pointer, (uint)bytes.Length) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>The outcome of a TCP connect that was in progress: 0 or its errno.</summary>
    public int PendingError() =>
        Libc.GetIntSockOpt(Fd, Libc.SOL_SOCKET, Libc.SO_ERROR, out int error) == 0 ? error : Marshal.GetLastPInvokeError();

    /// <summary>Waits until the socket is ready for <paramref name="events"/> (or has an error to report); false when the deadline passed first.</summary>
    public unsafe bool WaitFor(short events, long deadline)
    {
        while (true)
        {
            long remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                return false;
            }

            var poll = new Libc.PollFd { Fd = Fd, Events = events };
            int ready = Libc.Poll(&poll, 1, (int)Math.Min(remaining, int.MaxValue));
            if (ready > 0)
            {
                return true;
            }

            if (ready < 0 && Marshal.GetLastPInvokeError() != (int)Errno.EINTR)
            {
                return true; // the following call reports the error
            }
        }
    }

    /// <summary>send(2): bytes sent, or -1 with the errno in <paramref name="errno"/>.</summary>
    public unsafe int Send(ReadOnlySpan<byte> bytes, out int errno)
    {
        fixed (byte* pointer = bytes)
        {
            nint sent = Libc.Send(Fd, pointer, (nuint)bytes.Length, Libc.MSG_NOSIGNAL);
            errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)sent;
        }
    }

    /// <summary>recv(2): bytes received (0 at end of stream), or -1 with the errno in <paramref name="errno"/>.</summary>
    public unsafe int Receive(Span<byte> buffer, out int errno)
    {
        fixed (byte* pointer = buffer)
        {
            nint received = Libc.Recv(Fd, pointer, (nuint)buffer.Length, 0);
            errno = received < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)received;
        }
    }

    public void Dispose() => _descriptor.Dispose();
}
