using System.Buffers;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay;

/// <summary>Where a direction stands.</summary>
internal enum DirectionState
{
    /// <summary>Still copying.</summary>
    Open,

    /// <summary>End of stream read, everything written, and the FIN passed on with shutdown(SHUT_WR).</summary>
    Done,

    /// <summary>Reading or writing failed; the connection must be reset.</summary>
    Failed,
}

/// <summary>
/// One direction of a relayed connection: reads from <see cref="From"/>, writes to <see cref="To"/>.
/// </summary>
/// <remarks>
/// Both sockets are non-blocking and watched edge-triggered, so <see cref="Pump"/> always runs
/// until it would block: on reading (wait for EPOLLIN on From) or on writing (wait for EPOLLOUT on
/// To). It never holds more than one pipe or buffer of unsent bytes, and gives that back as soon
/// as it is empty, so an idle direction holds no memory.
///
/// Urgent data: reads stop at the urgent mark, and the urgent byte is sent on with MSG_OOB after
/// every byte that preceded it, so the receiver sees the mark where the sender put it.
/// - splice: splice(2) stops at the mark by itself (tcp_read_sock), even before EPOLLPRI is seen.
///   Once EPOLLPRI has announced urgent data and the read position is at the mark, the byte is
///   fetched with MSG_OOB; splice cannot step over the mark after that (it stops for as long as
///   urg_data is set), so one buffered read follows.
/// - buffered: a plain recv that starts exactly at the mark would skip the byte and the kernel
///   would then discard it, and EPOLLPRI may not have been seen yet when that read happens. So the
///   sockets have SO_OOBINLINE (the byte stays in the stream, never lost) and every read first
///   asks SIOCATMARK; at the mark, the byte is read alone and sent on with MSG_OOB.
/// </remarks>
internal sealed partial class Direction
{
    private const int BufferSize = 64 * 1024;

    private readonly PipePool _pipes;
    private readonly bool _urgentInline;
    private bool _useSplice;
    private SplicePipe? _pipe;
    private int _bytesInPipe;
    private byte[]? _buffer;
    private int _bufferStart;
    private int _bufferEnd;
    private bool _endOfStream;
    private bool _urgentAnnounced;
    private bool _stepOverMark;
    private int _pendingUrgent = -1;

    public Direction(int from, int to, CopyMethod method, PipePool pipes)
    {
        From = from;
        To = to;
        _useSplice = method == CopyMethod.Splice;
        _urgentInline = method == CopyMethod.Buffered;
        _pipes = pipes;
    }

    public int From { get; }

    public int To { get; }

    public DirectionState State { get; private set; }

    /// <summary>Bytes written to <see cref="To"/> so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>How it ended, when it failed: which side, which call, which error.</summary>
    public DirectionEnding Ending { get; private set; } = DirectionEnding.EndOfStream;

    public string? Error { get; private set; }

    /// <summary>Bytes held in a pipe or buffer, not yet written.</summary>
    private bool HasPendingBytes => _bytesInPipe > 0 || _bufferStart < _bufferEnd;

    /// <summary>Records that EPOLLPRI reported urgent data on <see cref="From"/>.</summary>
    public void AnnounceUrgent() => _urgentAnnounced = true;

    /// <summary>Copies until it would block, the stream ends, or something fails.</summary>
    public void Pump()
    {
        while (State == DirectionState.Open)
        {
            if (HasPendingBytes && !Flush())
            {
                return;
            }

            if (_pendingUrgent >= 0 && !SendUrgent())
            {
                return;
            }

            if (_endOfStream)
            {
                PassOnEndOfStream();
                return;
            }

            if (!_urgentInline && _urgentAnnounced && IsAtUrgentMark() && !TakeUrgent())
            {
                return;
            }

            if (_pendingUrgent < 0 && !Fill())
            {
                return;
            }
        }
    }

    /// <summary>Gives back the pipe and buffer; a pipe that still holds bytes cannot be reused.</summary>
    public void Release()
    {
        if (_pipe is not null)
        {
            if (_bytesInPipe > 0)
            {
                _pipes.Discard(_pipe);
            }
            else
            {
                _pipes.Return(_pipe);
            }

            _pipe = null;
            _bytesInPipe = 0;
        }

        ReturnBuffer();
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _bufferStart = _bufferEnd = 0;
        }
    }

    /// <summary>Reads what is there. False when it must wait for EPOLLIN, or failed.</summary>
    private bool Fill()
    {
        long read = _urgentInline && IsAtUrgentMark() ? ReceiveInlineUrgent()
            : _useSplice && !_stepOverMark ? SpliceIn()
            : ReceiveIntoBuffer();
        if (read > 0)
        {
            return true;
        }

        if (read == 0)
        {
            // Once the FIN has arrived, splice returns 0 at the urgent mark too (tcp_splice_read
            // sees SOCK_DONE): that is the urgent byte waiting, not yet the end of the stream.
            if (_useSplice && !_stepOverMark && IsAtUrgentMark())
            {
                _urgentAnnounced = true;
                bool progressed = TakeUrgent();
                _stepOverMark = true; // splice cannot pass the mark; the next read is a plain recv
                return progressed;
            }

            _endOfStream = true;
            return true;
        }

        var errno = (Errno)(-read);
        if (errno == Errno.EAGAIN)
        {
            // Idle: hold nothing while waiting. A read can also race past the mark before EPOLLPRI
            // is seen; then the byte is still there to take, only later than its place.
            Release();
            return !_urgentInline && _urgentAnnounced && TakeUrgent() && _pendingUrgent >= 0;
        }

        if (_useSplice && !_stepOverMark && errno is Errno.EINVAL or Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM)
        {
            // This pair of sockets cannot be spliced (e.g. an inherited socket of another kind), or
            // no pipe can be had right now (out of descriptors): copy through a buffer instead.
            _useSplice = false;
            return true;
        }

        Fail(DirectionEnding.ReadFailed, "read", errno);
        return false;
    }

    /// <summary>Writes what is pending. False when it must wait for EPOLLOUT, or failed.</summary>
    private bool Flush()
    {
        while (HasPendingBytes)
        {
            long written = _bytesInPipe > 0 ? SpliceOut() : SendFromBuffer();
            if (written > 0)
            {
                Bytes += written;
                continue;
            }

            var errno = (Errno)(-written);
            if (errno != Errno.EAGAIN)
            {
                Fail(DirectionEnding.WriteFailed, "write", errno);
            }

            return false;
        }

        return true;
    }

    private void PassOnEndOfStream()
    {
        Release();
        if (Libc.Shutdown(To, Libc.SHUT_WR) != 0)
        {
            Fail(DirectionEnding.WriteFailed, "shutdown", (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
            return;
        }

        State = DirectionState.Done;
    }

    private void Fail(DirectionEnding ending, string call, Errno errno)
    {
        Ending = ending;
        Error = $"{call}: {SyscallException.DescribeErrno((int)errno)}";
        State = DirectionState.Failed;
    }
}
