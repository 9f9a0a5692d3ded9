using System.Text;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Handover;

/// <summary>
/// One end of the <c>socketpair(AF_UNIX, SOCK_SEQPACKET)</c> between the listener and the connector.
/// Every message is one record: a kind byte, optional UTF-8 text, and at most one descriptor passed
/// with SCM_RIGHTS. Calls block; each end is used by one dedicated thread.
/// </summary>
public sealed class HandoverChannel : IDisposable
{
    /// <summary>Largest record accepted; the settings text is far smaller.</summary>
    internal const int MaxMessageBytes = 4096;

    private readonly FileDescriptor _socket;

    public HandoverChannel(FileDescriptor socket)
    {
        _socket = socket;
    }

    /// <summary>The descriptor, for handing this end to a child process.</summary>
    public FileDescriptor Socket => _socket;

    /// <summary>Creates a connected pair; both ends are close-on-exec.</summary>
    public static unsafe (HandoverChannel Listener, HandoverChannel Connector) CreatePair()
    {
        int* fds = stackalloc int[2];
        if (Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw SyscallException.FromLastError("socketpair", "AF_UNIX, SOCK_SEQPACKET");
        }

        return (new HandoverChannel(new FileDescriptor(fds[0])), new HandoverChannel(new FileDescriptor(fds[1])));
    }

    /// <summary>
    /// Sends one record. The descriptor is duplicated into the receiver by the kernel; the caller
    /// still owns its own copy and must close it. Throws <see cref="SyscallException"/> with EPIPE
    /// or ECONNRESET when the other end is gone.
    /// </summary>
    public unsafe void Send(HandoverMessageKind kind, string text = "", int descriptor = -1)
    {
        int textBytes = Encoding.UTF8.GetByteCount(text);
        if (1 + textBytes > MaxMessageBytes)
        {
            throw new ArgumentException($"hand-over message of {1 + textBytes} bytes exceeds {MaxMessageBytes}", nameof(text));
        }

        byte* payload = stackalloc byte[1 + textBytes];
        payload[0] = (byte)kind;
        Encoding.UTF8.GetBytes(text, new Span<byte>(payload + 1, textBytes));
        var iov = new Libc.IoVec { Base = payload, Length = (nuint)(1 + textBytes) };

        int controlSpace = Libc.CmsgSpace(sizeof(int));
        byte* control = stackalloc byte[controlSpace];
        var header = new Libc.MsgHdr { Iov = &iov, IovLength = 1 };
        if (descriptor >= 0)
        {
            new Span<byte>(control, controlSpace).Clear();
            var cmsg = (Libc.CmsgHdr*)control;
            cmsg->Length = (nuint)Libc.CmsgLen(sizeof(int));
            cmsg->Level = Libc.SOL_SOCKET;
            cmsg->Type = Libc.SCM_RIGHTS;
            *(int*)(control + Libc.CmsgAlign(sizeof(Libc.CmsgHdr))) = descriptor;
            header.Control = control;
            header.ControlLength = (nuint)controlSpace;
        }

        while (Libc.SendMsg(_socket.Number, &header, Libc.MSG_NOSIGNAL) < 0)
        {
            var error = SyscallException.FromLastError("sendmsg", "hand-over channel");
            if (error.Errno != Errno.EINTR)
            {
                throw error;
            }
        }
    }

    /// <summary>
    /// Waits for the next record. Returns null when the other end has closed. A record that
    /// arrives truncated or with more than one descriptor is refused: its descriptors are closed.
    /// </summary>
    public HandoverMessage? Receive() => ReceiveCore(0, out _);

    /// <summary>
    /// Like <see cref="Receive"/> without waiting: false when no record is there yet; otherwise
    /// true, with <paramref name="message"/> null when the other end has closed.
    /// </summary>
    public bool TryReceive(out HandoverMessage? message)
    {
        message = ReceiveCore(Libc.MSG_DONTWAIT, out bool wouldBlock);
        return !wouldBlock;
    }

    private unsafe HandoverMessage? ReceiveCore(int flags, out bool wouldBlock)
    {
        wouldBlock = false;
        byte* payload = stackalloc byte[MaxMessageBytes];
        var iov = new Libc.IoVec { Base = payload, Length = MaxMessageBytes };

        // Room for two descriptors so that a record with too many is detected rather than cut.
        int controlSpace = Libc.CmsgSpace(2 * sizeof(int));
        byte* control = stackalloc byte[controlSpace];
        var header = new Libc.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlSpace };

        nint received;
        while ((received = Libc.RecvMsg(_socket.Number, &header, Libc.MSG_CMSG_CLOEXEC | flags)) < 0)
        {
            var error = SyscallException.FromLastError("recvmsg", "hand-over channel");
            if (error.Errno == Errno.EAGAIN && (flags & Libc.MSG_DONTWAIT) != 0)
            {
                wouldBlock = true;
                return null;
            }

            if (error.Errno != Errno.EINTR)
            {
                throw error;
            }

            header.ControlLength = (nuint)controlSpace;
        }

        // Whatever arrived is ours from here: wrap it first so that every exit below closes it.
        var descriptors = ReadDescriptors(&header);
        try
        {
            if (received == 0)
            {
                return null;
            }

            if ((header.Flags & Libc.MSG_CTRUNC) != 0 && descriptors.Count == 0 && payload[0] == (byte)HandoverMessageKind.Client)
            {
                // The kernel could not give us the descriptor (out of descriptors): that client is lost, not the channel.
                throw new HandoverDescriptorLostException();
            }

            if ((header.Flags & (Libc.MSG_CTRUNC | Libc.MSG_TRUNC)) != 0)
            {
                throw new InvalidDataException("hand-over record arrived truncated");
            }

            if (descriptors.Count > 1)
            {
                throw new InvalidDataException($"hand-over record carried {descriptors.Count} descriptors, expected at most one");
            }

            var kind = (HandoverMessageKind)payload[0];
            if (kind == HandoverMessageKind.Client && descriptors.Count != 1)
            {
                throw new InvalidDataException("client record carried no descriptor");
            }

            string text = received > 1 ? Encoding.UTF8.GetString(payload + 1, (int)received - 1) : string.Empty;
            var message = new HandoverMessage(kind, text, descriptors.Count == 1 ? descriptors[0] : null);
            descriptors.Clear();
            return message;
        }
        finally
        {
            foreach (var descriptor in descriptors)
            {
                descriptor.Dispose();
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    private static unsafe List<FileDescriptor> ReadDescriptors(Libc.MsgHdr* header)
    {
        var descriptors = new List<FileDescriptor>(1);
        byte* control = (byte*)header->Control;
        nuint offset = 0;
        int headerSize = Libc.CmsgAlign(sizeof(Libc.CmsgHdr));
        while (offset + (nuint)headerSize <= header->ControlLength)
        {
            var cmsg = (Libc.CmsgHdr*)(control + offset);
            if (cmsg->Length < (nuint)headerSize)
            {
                break;
            }

            if (cmsg->Level == Libc.SOL_SOCKET && cmsg->Type == Libc.SCM_RIGHTS)
            {
                int count = (int)(cmsg->Length - (nuint)headerSize) / sizeof(int);
                int* fds = (int*)((byte*)cmsg + headerSize);
                for (int i = 0; i < count; i++)
                {
                    descriptors.Add(new FileDescriptor(fds[i]));
                }
            }

            offset += (nuint)Libc.CmsgAlign((int)cmsg->Length);
        }

        return descriptors;
    }
}
