using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// One scraper's exchange on a non-blocking socket: read the request head, write the answer,
/// then read until the scraper closes. Each call to <see cref="Advance"/> goes as far as it can
/// without blocking.
/// </summary>
/// <remarks>
/// The last step matters: closing with unread bytes would reset the connection, and a reset can
/// destroy the answer before the scraper has read it. So the answer ends with a FIN
/// (shutdown(SHUT_WR)), and the socket is closed once the scraper has closed its side.
/// </remarks>
internal sealed class MetricsExchange : IDisposable
{
    private readonly FileDescriptor _socket;
    private readonly byte[] _request = new byte[MetricsHttp.MaxRequestBytes];
    private readonly long _requestDeadline;
    private readonly long _deadline;
    private int _received;
    private byte[]? _response;
    private int _sent;
    private bool _answered;

    /// <param name="socket">The accepted scraper; owned by the exchange from now on.</param>
    /// <param name="requestDeadline">When (TickCount64) the request head must have arrived.</param>
    /// <param name="deadline">When (TickCount64) the whole exchange must be over.</param>
    public MetricsExchange(FileDescriptor socket, long requestDeadline, long deadline)
    {
        _socket = socket;
        _requestDeadline = requestDeadline;
        _deadline = deadline;
    }

    public int Socket => _socket.Number;

    /// <summary>True once the whole request head (or too much of one) has arrived.</summary>
    public bool HasRequest => _response is not null;

    /// <summary>True while the answer is being written: wait for POLLOUT, else for POLLIN.</summary>
    public bool WaitsToWrite => _response is not null && !_answered;

    /// <summary>When (TickCount64) this exchange is dropped if it is not over.</summary>
    public long Deadline => HasRequest ? _deadline : Math.Min(_requestDeadline, _deadline);

    /// <summary>
    /// Moves the exchange on. True while it goes on (it waits for the socket); false once it is
    /// over: answered and closed by the scraper, or closed by the scraper early.
    /// </summary>
    /// <exception cref="SyscallException">The socket failed (e.g. the scraper reset it).</exception>
    public unsafe bool Advance(Func<string?> render)
    {
        while (_response is null)
        {
            long count = Receive(_request.AsSpan(_received));
            if (count < 0)
            {
                return true; // waits for more of the request
            }

            if (count == 0)
            {
                return false; // closed before a whole request
            }

            _received += (int)count;
            int headLength = MetricsHttp.HeadLength(_request.AsSpan(0, _received));
            if (headLength >= 0)
            {
                _response = MetricsHttp.Respond(_request.AsSpan(0, headLength), render);
            }
            else if (_received == _request.Length)
            {
                _response = MetricsHttp.TooLarge();
            }
        }

        while (!_answered)
        {
            int count;
            fixed (byte* buffer = &_response[_sent])
            {
                count = (int)Libc.Send(_socket.Number, buffer, (nuint)(_response.Length - _sent), Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
            }

            if (count < 0)
            {
                var error = SyscallException.FromLastError("send", "metrics scraper");
                if (error.Errno == Errno.EAGAIN)
                {
                    return true;
                }

                if (error.Errno != Errno.EINTR)
                {
                    throw error;
                }

                continue;
            }

            _sent += count;
            if (_sent == _response.Length)
            {
                _ = Libc.Shutdown(_socket.Number, Libc.SHUT_WR);
                _answered = true;
            }
        }

        // Answered: read (and drop) whatever comes until the scraper closes.
        while (true)
        {
            long count = Receive(_request);
            if (count < 0)
            {
                return true;
            }

            if (count == 0)
            {
                return false;
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Bytes read, 0 at end of stream, or -1 when none are there yet.</summary>
    private unsafe long Receive(Span<byte> into)
    {
        while (true)
        {
            long count;
            fixed (byte* buffer = into)
            {
                count = Libc.Recv(_socket.Number, buffer, (nuint)into.Length, Libc.MSG_DONTWAIT);
            }

            if (count >= 0)
            {
                return count;
            }

            var error = SyscallException.FromLastError("recv", "metrics scraper");
            if (error.Errno == Errno.EAGAIN)
            {
                return -1;
            }

            if (error.Errno != Errno.EINTR)
            {
                throw error;
            }
        }
    }
}
