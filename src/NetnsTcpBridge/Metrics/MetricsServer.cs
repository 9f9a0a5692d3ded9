using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// Serves the counters on a listening socket, to many scrapers at once, on one thread of its own
/// that the relay never waits for.
/// </summary>
/// <remarks>
/// One poll loop over the listening socket and every open exchange (<see cref="MetricsExchange"/>,
/// non-blocking). Bounds, so that no scraper, and no crowd of them, can keep a well-behaved one
/// from its answer:
/// - a scraper has <see cref="RequestTimeout"/> to send its request head, and
///   <see cref="ExchangeTimeout"/> for the whole exchange;
/// - at most <see cref="MaxExchanges"/> are open; one more evicts the oldest that has not yet sent
///   a whole request, so a flood of silent connections only ever delays the next scraper by the
///   time it takes to accept past them;
/// - a request head is at most <see cref="MetricsHttp.MaxRequestBytes"/>.
/// Rendering asks the connectors (bounded by the collector's own deadline) on this thread, once
/// per request.
/// </remarks>
internal sealed class MetricsServer : IDisposable
{
    /// <summary>How long one scraper may take for its whole exchange.</summary>
    public static readonly TimeSpan DefaultExchangeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a scraper may take to send its request head.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Exchanges open at once.</summary>
    public const int MaxExchanges = 64;

    /// <summary>Scrapers taken from the queue per wake-up, so that open exchanges are served between bursts.</summary>
    private const int AcceptBurst = 32;

    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(100);

    private readonly FileDescriptor _listening;
    private readonly Func<string?> _render;
    private readonly List<MetricsExchange> _exchanges = [];
    private Thread? _thread;
    private volatile bool _stopped;
    private long _acceptPausedUntil;

    /// <param name="listening">A listening TCP socket; the server owns it from now on, for the life of the process.</param>
    /// <param name="render">Makes the OpenMetrics text of the counters, or null when they cannot be had now; called once per scrape.</param>
    /// <param name="exchangeTimeout">The bound of one whole exchange; <see cref="DefaultExchangeTimeout"/> when null.</param>
    public MetricsServer(FileDescriptor listening, Func<string?> render, TimeSpan? exchangeTimeout = null)
    {
        _listening = listening;
        _render = render;
        ExchangeTimeout = exchangeTimeout ?? DefaultExchangeTimeout;
    }

    public TimeSpan ExchangeTimeout { get; }

    /// <summary>Starts serving on a background thread; the listener lets it run until the process ends.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "metrics" };
        _thread.Start();
    }

    /// <summary>
    /// Stops serving (shutdown(SHUT_RD) wakes the thread in poll), waits for it, and closes the
    /// listening socket and every open exchange.
    /// </summary>
    public void Dispose()
    {
        _stopped = true;
        _ = Libc.Shutdown(_listening.Number, Libc.SHUT_RD);
        _thread?.Join();
        foreach (var exchange in _exchanges)
        {
            exchange.Dispose();
        }

        _listening.Dispose();
    }

    private void Run()
    {
        try
        {
            while (!_stopped)
            {
                WaitAndServe();
            }
        }
        catch (Exception e) when (!_stopped)
        {
            Log.Error($"metrics endpoint stopped: {e.Message}; relaying goes on");
        }
        catch (SyscallException)
        {
            // Stopping: the listening socket was shut down under poll.
        }
    }

    private void WaitAndServe()
    {
        long now = Environment.TickCount64;
        bool accepting = now >= _acceptPausedUntil;
        int count = _exchanges.Count + 1;
        Span<Libc.PollFd> polled = stackalloc Libc.PollFd[count];
        polled[0] = new Libc.PollFd { Fd = accepting ? _listening.Number : -1, Events = Libc.POLLIN };
        long wakeAt = accepting ? PollDeadline.Never : _acceptPausedUntil;
        for (int i = 0; i < _exchanges.Count; i++)
        {
            var exchange = _exchanges[i];
            polled[i + 1] = new Libc.PollFd { Fd = exchange.Socket, Events = exchange.WaitsToWrite ? Libc.POLLOUT : Libc.POLLIN };
            wakeAt = Math.Min(wakeAt, exchange.Deadline);
        }

        _ = PollDeadline.Wait(polled, wakeAt, "metrics sockets");
        if (_stopped)
        {
            return;
        }

        // Exchanges first, then new scrapers: the ones already in hand are nearest their answer.
        var ready = new List<MetricsExchange>();
        for (int i = 0; i < _exchanges.Count; i++)
        {
            if (polled[i + 1].Revents != 0)
            {
                ready.Add(_exchanges[i]);
            }
        }

        foreach (var exchange in ready)
        {
            Step(exchange);
        }

        if ((polled[0].Revents & Libc.POLLIN) != 0)
        {
            AcceptBurstOfScrapers();
        }

        ExpireOverdue();
    }

    private void Step(MetricsExchange exchange)
    {
        try
        {
            if (exchange.Advance(_render))
            {
                return;
            }
        }
        catch (SyscallException e)
        {
            Log.Debug($"metrics: a scraper's exchange failed: {e.Message}");
        }

        Drop(exchange);
    }

    private void AcceptBurstOfScrapers()
    {
        for (int taken = 0; taken < AcceptBurst; taken++)
        {
            var accepted = SocketAccept.Take(_listening.Number, "metrics socket");
            if (accepted.Outcome == AcceptOutcome.DescriptorLimit)
            {
                // Scrapers wait in the queue; the relay needs the descriptors more.
                _acceptPausedUntil = Environment.TickCount64 + (long)ResourceBackoff.TotalMilliseconds;
            }

            if (accepted.Outcome != AcceptOutcome.Socket)
            {
                return;
            }

            int fd = accepted.Socket;

            if (_exchanges.Count >= MaxExchanges && !EvictOldestSilent())
            {
                // Every open exchange is past its request: the newcomer waits for none of them.
                _ = Libc.Close(fd);
                continue;
            }

            // The exchange owns the accepted socket from here, until it is dropped.
            long now = Environment.TickCount64;
            _exchanges.Add(new MetricsExchange(
                new FileDescriptor(fd),
                requestDeadline: now + (long)Math.Min(RequestTimeout.TotalMilliseconds, ExchangeTimeout.TotalMilliseconds),
                deadline: now + (long)ExchangeTimeout.TotalMilliseconds));
        }
    }

    /// <summary>Drops the oldest exchange still waiting for its request; false when there is none.</summary>
    private bool EvictOldestSilent()
    {
        var oldest = _exchanges.FirstOrDefault(exchange => !exchange.HasRequest);
        if (oldest is null)
        {
            return false;
        }

        Drop(oldest);
        return true;
    }

    private void ExpireOverdue()
    {
        long now = Environment.TickCount64;
        foreach (var exchange in _exchanges.Where(exchange => exchange.Deadline <= now).ToList())
        {
            Drop(exchange);
        }
    }

    private void Drop(MetricsExchange exchange)
    {
        _exchanges.Remove(exchange);
        exchange.Dispose();
    }
}
