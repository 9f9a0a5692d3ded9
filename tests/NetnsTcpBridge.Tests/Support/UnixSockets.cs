using System.Net.Sockets;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Tests.Support;

/// <summary>Small raw-socket helpers for the hand-over tests, built on the library's own Libc imports.</summary>
internal static class UnixSockets
{
    /// <summary>A connected AF_UNIX stream pair, as .NET sockets: something real to pass as a descriptor.</summary>
    public static unsafe (Socket A, Socket B) CreateStreamPair()
    {
        int* fds = stackalloc int[2];
        if (Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw SyscallException.FromLastError("socketpair", "AF_UNIX, SOCK_STREAM");
        }

        return (Wrap(fds[0]), Wrap(fds[1]));
    }

    /// <summary>Takes ownership of a received descriptor as a .NET socket.</summary>
    public static Socket ToSocket(FileDescriptor descriptor) => Wrap(descriptor.Release());

    public static int Number(Socket socket) => (int)socket.SafeHandle.DangerousGetHandle();

    /// <summary>What /proc says the descriptor refers to, e.g. "socket:[123456]": equal for two descriptors of one open file.</summary>
    public static string OpenFile(int fd) =>
        new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? throw new InvalidOperationException($"fd {fd} is not open");

    public static bool IsCloseOnExec(int fd)
    {
        int flags = Libc.Fcntl(fd, Libc.F_GETFD, 0);
        if (flags < 0)
        {
            throw SyscallException.FromLastError("fcntl", $"fd {fd}");
        }

        return (flags & Libc.FD_CLOEXEC) != 0;
    }

    /// <summary>
    /// Sends one record the way HandoverChannel would, but with any number of descriptors (one
    /// SCM_RIGHTS message holding them all) and any payload, to test what the receiver refuses.
    /// </summary>
    public static unsafe void SendRaw(int channel, ReadOnlySpan<byte> payload, params int[] descriptors)
    {
        fixed (byte* data = payload)
        {
            var iov = new Libc.IoVec { Base = data, Length = (nuint)payload.Length };
            var header = new Libc.MsgHdr { Iov = &iov, IovLength = 1 };
            int controlSpace = Libc.CmsgSpace(descriptors.Length * sizeof(int));
            byte* control = stackalloc byte[controlSpace];
            if (descriptors.Length > 0)
            {
                new Span<byte>(control, controlSpace).Clear();
                var cmsg = (Libc.CmsgHdr*)control;
                cmsg->Length = (nuint)Libc.CmsgLen(descriptors.Length * sizeof(int));
                cmsg->Level = Libc.SOL_SOCKET;
                cmsg->Type = Libc.SCM_RIGHTS;
                int* slots = (int*)(control + Libc.CmsgAlign(sizeof(Libc.CmsgHdr)));
                for (int i = 0; i < descriptors.Length; i++)
                {
                    slots[i] = descriptors[i];
                }

                header.Control = control;
                header.ControlLength = (nuint)controlSpace;
            }

            if (Libc.SendMsg(channel, &header, Libc.MSG_NOSIGNAL) < 0)
            {
                throw SyscallException.FromLastError("sendmsg", "raw test record");
            }
        }
    }

    private static Socket Wrap(int fd) => new(new SafeSocketHandle(fd, ownsHandle: true));
}
