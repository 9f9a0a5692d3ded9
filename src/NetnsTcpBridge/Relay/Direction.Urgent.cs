using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay;

internal sealed partial class Direction
{
    private unsafe bool IsAtUrgentMark()
    {
        int atMark = 0;
        return Libc.IoctlInt(From, Libc.SIOCATMARK, &atMark) == 0 && atMark != 0;
    }

    /// <summary>Fetches the urgent byte. False when it must wait (the byte has not arrived) or failed.</summary>
    private unsafe bool TakeUrgent()
    {
        byte urgent;
        nint received = Libc.Recv(From, &urgent, 1, Libc.MSG_OOB | Libc.MSG_DONTWAIT);
        if (received == 1)
        {
            _pendingUrgent = urgent;
            _urgentAnnounced = false;
            _stepOverMark = _useSplice;
            return true;
        }

        var errno = (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        switch (errno)
        {
            case Errno.EAGAIN:
                return false;
            case Errno.EINVAL:
                // Already taken, or superseded by a later urgent pointer: nothing to pass on.
                _urgentAnnounced = false;
                return true;
            default:
                Fail(DirectionEnding.ReadFailed, "recv(MSG_OOB)", errno);
                return false;
        }
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
