using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay;

internal sealed partial class Direction
{
    private unsafe bool IsAtUrgentMark()
    {
        int atMark = 0;
        return Libc.IoctlInt(From, Libc.SIOCATMARK, &atMark) == 0 && atMark != 0;
    }

    /// <summary>With SO_OOBINLINE, at the mark: the urgent byte is the next byte of the stream.</summary>
    private unsafe long ReceiveInlineUrgent()
    {
        byte urgent;
        nint received = Libc.Recv(From, &urgent, 1, Libc.MSG_DONTWAIT);
        if (received == 1)
        {
            _pendingUrgent = urgent;
            _urgentAnnounced = false;
        }

        return received < 0 ? -System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : received;
    }

    private unsafe bool SendUrgent()
    {
        byte urgent = (byte)_pendingUrgent;
        nint sent = Libc.Send(To, &urgent, 1, Libc.MSG_OOB | Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
        if (sent == 1)
        {
            _pendingUrgent = -1;
            Bytes++;
            return true;
        }

        var errno = (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno != Errno.EAGAIN)
        {
            Fail(DirectionEnding.WriteFailed, "send(MSG_OOB)", errno);
        }

        return false;
    }
}
