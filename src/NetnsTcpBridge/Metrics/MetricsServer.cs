using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// Serves the counters on a listening socket, one scraper at a time, on a thread of its own that
/// the relay never waits for.
/// </summary>
/// <remarks>
/// Each exchange (read the request head, write the answer, wait for the scraper to close) has one
/// deadline, <see cref="ExchangeTimeout"/>: a scraper that sends nothing, sends too slowly, or
/// never reads is dropped when it passes, so none can hold the thread for longer. The accepted
/// socket is non-blocking and every wait is a poll bounded by what is left of that deadline.
/// </remarks>
internal sealed class MetricsServer : IDisposable
{
    /// <summary>How long one scraper may take for its whole exchange.</summary>
    public static readonly TimeSpan DefaultExchangeTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(100);

    private readonly FileDescriptor _listening;
    private readonly Func<string?> _render;
    private Thread? _thread;
    private volatile bool _stopped;

    /// <param name="listening">A listening TCP socket; the server owns it from now on, for the life of the process.</param>
    /// <param name="render">Makes the OpenMetrics text of the counters, or null when they cannot be had now; called once per scrape.</param>
    public MetricsServer(FileDescriptor listening, Func<string?> render, TimeSpan? exchangeTimeout = null)
    {
        _listening = listening;
        _render = render;
        ExchangeTimeout = exchangeTimeout ?? DefaultExchangeTimeout;
    }

    public TimeSpan ExchangeTimeout { get; }

    /// <summary>Starts serving on a background thread; the connector lets it run until the process ends.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "metrics" };
        _thread.Start();
    }

    /// <summary>
    /// Stops serving (shutdown(SHUT_RD) wakes the thread in poll or accept), waits for an exchange
    /// in progress to end, and closes the listening socket.
    /// </summary>
    public void Dispose()
    {
        _stopped = true;
        _ = Libc.Shutdown(_listening.Number, Libc.SHUT_RD);
        _thread?.Join();
        _listening.Dispose();
    }

    private void Run()
    {
        try
        {
            while (!_stopped)
            {
                int accepted = Accept();
                if (accepted < 0)
                {
                    return;
                }

                // The accepted socket is ours alone; it is closed when this exchange is over, whatever happened.
                using var scraper = new FileDescriptor(accepted);
                try
                {
                    Serve(scraper.Number);
                }
                catch (SyscallException e)
                {
                    Log.Debug($"metrics: a scraper's exchange failed: {e.Message}");
                }
            }
        }
        catch (Exception e) when (!_stopped)
        {
            Log.Error($"metrics endpoint stopped: {e.Message}; relaying goes on");
        }
        catch (SyscallException)
        {
            // Stopping: the listening socket was shut down under accept.
        }
    }

    private unsafe int Accept()
    {
        while (true)
        {
            WaitFor(_listening.Number, Libc.POLLIN, deadline: long.MaxValue);
            if (_stopped)
            {
                return -1;
            }

            int fd = Libc.Accept4(_listening.Number, null, null, Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK);
            if (fd >= 0)
            {
                return fd;
            }

            var error = SyscallException.FromLastError("accept4", "metrics socket");
            switch (error.Errno)
            {
                case Errno.EAGAIN or Errno.EINTR or Errno.ECONNABORTED or Errno.EPROTO or Errno.EPERM:
                    continue;
                case Errno.EMFILE or Errno.ENFILE or Errno.ENOBUFS or Errno.ENOMEM:
                    // Out of descriptors: the scraper waits in the queue; the relay needs them more.
                    Thread.Sleep(ResourceBackoff);
                    continue;
                default:
                    throw error;
            }
        }
    }

    private unsafe void Serve(int fd)
    {
        long deadline = Environment.TickCount64 + (long)ExchangeTimeout.TotalMilliseconds;
        byte[] request = new byte[MetricsHttp.MaxRequestBytes];
        int received = 0;
        int headLength;
        while ((headLength = MetricsHttp.HeadLength(request.AsSpan(0, received))) < 0 && received < request.Length)
        {
            int count;
            fixed (byte* buffer = &request[received])
            {
                count = (int)Libc.Recv(fd, buffer, (nuint)(request.Length - received), 0);
            }

            if (count == 0)
            {
                return; // closed before a whole request
            }

            if (count < 0 && !WaitAfter(SyscallException.FromLastError("recv", "metrics scraper"), fd, Libc.POLLIN, deadline))
            {
                return;
            }

            received += Math.Max(0, count);
        }

        byte[] response = headLength < 0 ? MetricsHttp.TooLarge() : MetricsHttp.Respond(request.AsSpan(0, headLength), _render);
        if (!SendAll(fd, response, deadline))
        {
            return;
        }

        // Closing with unread bytes would reset the connection, and a reset can destroy the answer
        // before the scraper has read it: send FIN, then read until the scraper closes (or time is up).
        _ = Libc.Shutdown(fd, Libc.SHUT_WR);
        while (true)
        {
            int count;
            fixed (byte* buffer = request)
            {
                count = (int)Libc.Recv(fd, buffer, (nuint)request.Length, 0);
            }

            if (count == 0 || (count < 0 && !WaitAfter(SyscallException.FromLastError("recv", "metrics scraper"), fd, Libc.POLLIN, deadline)))
            {
                return;
            }
        }
    }

    /// <summary>False when the deadline passed first.</summary>
    private static unsafe bool SendAll(int fd, byte[] bytes, long deadline)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            int count;
            fixed (byte* buffer = &bytes[sent])
            {
                count = (int)Libc.Send(fd, buffer, (nuint)(bytes.Length - sent), Libc.MSG_NOSIGNAL);
            }

            if (count < 0 && !WaitAfter(SyscallException.FromLastError("send", "metrics scraper"), fd, Libc.POLLOUT, deadline))
            {
                return false;
            }

            sent += Math.Max(0, count);
        }

        return true;
    }

    /// <summary>After a failed recv/send: waits when it would block; false when time is up. Other errors are thrown.</summary>
    private static bool WaitAfter(SyscallException error, int fd, short events, long deadline) => error.Errno switch
    {
        Errno.EAGAIN => WaitFor(fd, events, deadline),
        Errno.EINTR => true,
        _ => throw error,
    };

    /// <summary>Polls until <paramref name="fd"/> is ready or <paramref name="deadline"/> (TickCount64) passes; false when it passed.</summary>
    private static unsafe bool WaitFor(int fd, short events, long deadline)
    {
        while (true)
        {
            long left = deadline == long.MaxValue ? -1 : deadline - Environment.TickCount64;
            if (deadline != long.MaxValue && left <= 0)
            {
                return false;
            }

            var pollFd = new Libc.PollFd { Fd = fd, Events = events };
            int ready = Libc.Poll(&pollFd, 1, (int)Math.Min(left, int.MaxValue));
            if (ready > 0)
            {
                return true;
            }

            if (ready < 0)
            {
                var error = SyscallException.FromLastError("poll", "metrics socket");
                if (error.Errno != Errno.EINTR)
                {
                    throw error;
                }
            }
        }
    }
}
