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
/// Both sockets are non-blocking and watched edge-triggered, so <see cref="Pump"/> runs until it
/// would block: on reading (wait for EPOLLIN on From) or on writing (wait for EPOLLOUT on To), or
/// until a read has shown that From is empty (see <see cref="Pump"/>). It never holds more than
/// one pipe or buffer of unsent bytes, and gives that back as soon as it is empty, so an idle
/// direction holds no memory.
///
/// Urgent data: reads stop at the urgent mark, and the urgent byte is sent on with MSG_OOB after
/// every byte that preceded it, so the receiver sees the mark where the sender put it. Both
/// sockets have SO_OOBINLINE, so the urgent byte stays in the stream: without it, a second urgent
/// byte arriving while the first waits at the read position makes the kernel drop the first
/// (tcp_check_urg), which a peer with SO_OOBINLINE on a direct connection would have received. At
/// the mark (SIOCATMARK) the byte is read alone and sent on with MSG_OOB.
/// - splice: splice(2) never reads past the mark (tcp_read_sock stops there), so the mark is asked
///   for only once EPOLLPRI has announced urgent data, or when splice stops short.
/// - buffered: a recv that starts exactly at the mark would take the urgent byte as a plain one,
///   and EPOLLPRI may not have been seen yet; so every read first asks SIOCATMARK.
/// Neither asks once an event has shown that none can lie ahead (<see cref="SourceReport.EndWithoutUrgentData"/>).
/// </remarks>
internal sealed partial class Direction
{
    private const int BufferSize = 64 * 1024;

    private readonly PipePool _pipes;
    private bool _useSplice;
    private SplicePipe? _pipe;
    private int _bytesInPipe;
    private byte[]? _buffer;
    private int _bufferStart;
    private int _bufferEnd;
    private bool _endOfStream;
    private bool _urgentAnnounced;
    private int _pendingUrgent = -1;

    /// <summary>A reset that splice reported at the urgent mark, passed on once the stream behind it ends.</summary>
    private Errno? _readErrorAfterUrgent;

    public Direction(int from, int to, CopyMethod method, PipePool pipes)
    {
        From = from;
        To = to;
        _useSplice = method == CopyMethod.Splice;
        _pipes = pipes;
    }

    public int From { get; private set; }

    public int To { get; private set; }

    /// <summary>
    /// Makes a direction of a closed connection new for another one: every field as the
    /// constructor leaves it (a unit test checks that none is forgotten).
    /// </summary>
    public void Reuse(int from, int to, CopyMethod method)
    {
        Release();
        From = from;
        To = to;
        _useSplice = method == CopyMethod.Splice;
        _endOfStream = false;
        _urgentAnnounced = false;
        _pendingUrgent = -1;
        _readErrorAfterUrgent = null;
        State = DirectionState.Open;
        Bytes = 0;
        Ending = DirectionEnding.EndOfStream;
        Error = null;
        IsSalvaging = false;
    }

    public DirectionState State { get; private set; }

    /// <summary>Bytes written to <see cref="To"/> so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>How it ended, when it failed: which side, which call, which error.</summary>
    public DirectionEnding Ending { get; private set; } = DirectionEnding.EndOfStream;

    public string? Error { get; private set; }

    /// <summary>Bytes held in a pipe or buffer, not yet written.</summary>
    private bool HasPendingBytes => _bytesInPipe > 0 || _bufferStart < _bufferEnd;

    /// <summary>True when bytes (or an urgent byte) wait for <see cref="To"/> to take them: only then does its writability matter.</summary>
    public bool HasOutputWaiting => HasPendingBytes || _pendingUrgent >= 0;

    /// <summary>
    /// True once <see cref="SalvageBeforeReset"/> was called: <see cref="From"/> is known to be
    /// reset, and this direction only carries what it had sent before, up to its end.
    /// </summary>
    public bool IsSalvaging { get; private set; }

    /// <summary>
    /// <see cref="From"/> was reset (writing to it failed), but bytes it sent before may still wait
    /// in its socket: a peer on a direct connection would read them before the reset, so they are
    /// read to their end and written on. Its end of stream then passes on no FIN: the caller resets.
    /// </summary>
    public void SalvageBeforeReset() => IsSalvaging = true;

    /// <summary>Records that EPOLLPRI reported urgent data on <see cref="From"/>.</summary>
    public void AnnounceUrgent() => _urgentAnnounced = true;

    /// <summary>Copies until it would block, the stream ends, or something fails.</summary>
    /// <param name="report">
    /// What the event on <see cref="From"/> that calls for this pump showed, which saves reads:
    /// - <see cref="SourceReport.Input"/>: a read that took less than it could has emptied the
    ///   socket, and the read that would only find it empty is skipped (the end, an error or
    ///   urgent data already there would have been in the event).
    /// - <see cref="SourceReport.EndWithoutUrgentData"/>: no urgent mark lies ahead, so the mark is
    ///   not asked for before a read or at the end of the stream.
    /// </param>
    public void Pump(SourceReport report = SourceReport.Unknown)
    {
        bool sourceEmptied = false;
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
                if (IsSalvaging)
                {
                    // Its sender is gone: its end is not a FIN to pass on; the reset follows.
                    Release();
                    State = DirectionState.Done;
                    return;
                }

                PassOnEndOfStream();
                return;
            }

            if (sourceEmptied)
            {
                // Idle: hold nothing while waiting.
                Release();
                return;
            }

            if (_pendingUrgent < 0 && !Fill(report, out sourceEmptied))
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

    /// <summary>
    /// Reads what is there. False when it must wait for EPOLLIN, or failed. <paramref name="emptied"/>:
    /// the read took all there was (see <see cref="Pump"/>).
    /// </summary>
    private bool Fill(SourceReport report, out bool emptied)
    {
        emptied = false;
        bool noMarkAhead = report == SourceReport.EndWithoutUrgentData && !_urgentAnnounced;
        bool askForMark = _urgentAnnounced || (!_useSplice && !noMarkAhead);
        bool atMark = askForMark && IsAtUrgentMark();
        long read = atMark ? ReceiveInlineUrgent()
            : _useSplice ? SpliceIn()
            : ReceiveIntoBuffer();
        if (read > 0)
        {
            emptied = report == SourceReport.Input && !atMark && !_urgentAnnounced && TookLessThanItHadRoomFor(read);
            return true;
        }

        // Only a splice that stopped short can mean "the urgent byte is next": after an attempt
        // to read that byte itself, the same answer means it has not arrived (the urgent pointer
        // can come before the byte), and asking again would spin.
        bool splicedShort = _useSplice && !atMark;
        if (read == 0)
        {
            // Once the FIN has arrived, splice returns 0 at the urgent mark too (tcp_splice_read
            // sees SOCK_DONE): that is the urgent byte waiting, not yet the end of the stream.
            if (splicedShort && !noMarkAhead && IsAtUrgentMark())
            {
                _urgentAnnounced = true;
                return true;
            }

            if (_readErrorAfterUrgent is { } reset)
            {
                Fail(DirectionEnding.ReadFailed, "read", reset);
                return false;
            }

            _endOfStream = true;
            return true;
        }

        var errno = (Errno)(-read);
        if (errno == Errno.EAGAIN)
        {
            // splice stops at the mark with EAGAIN: then the urgent byte is next, already here.
            if (splicedShort && _urgentAnnounced && IsAtUrgentMark())
            {
                return true;
            }

            if (_readErrorAfterUrgent is { } reported)
            {
                // Everything that was there is passed on: a reset closes the socket, so this is an
                // error that left it open, with no event left to wait for.
                Fail(DirectionEnding.ReadFailed, "read", reported);
                return false;
            }

            // Idle: hold nothing while waiting.
            Release();
            return false;
        }

        if (splicedShort && IsAtUrgentMark())
        {
            // splice stops at the mark and reports a reset there, before the urgent byte and
            // whatever the peer sent after it (the report consumed the socket's error, so reads
            // now go on to a plain end of stream): pass all of it on, then the reset.
            _readErrorAfterUrgent = errno;
            _urgentAnnounced = true;
            return true;
        }

        if (_useSplice && errno is Errno.EINVAL or Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM)
        {
            // This pair of sockets cannot be spliced (e.g. an inherited socket of another kind), or
            // no pipe can be had right now (out of descriptors): copy through a buffer instead.
            _useSplice = false;
            return true;
        }

        Fail(DirectionEnding.ReadFailed, "read", errno);
        return false;
    }

    /// <summary>
    /// True when the read just made stopped short because the socket had no more. A splice also
    /// stops short, with bytes still in the socket, once every buffer of the pipe is taken: not
    /// while fewer bytes are in the pipe than it has buffers, as each holds one byte at least.
    /// </summary>
    private bool TookLessThanItHadRoomFor(long read) => _useSplice
        ? read < _pipe!.Capacity - (_bytesInPipe - read) && _bytesInPipe < _pipe.Slots
        : read < _buffer!.Length;

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
