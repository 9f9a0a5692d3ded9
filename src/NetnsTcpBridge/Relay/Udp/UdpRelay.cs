using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// The UDP side of a connector: one thread with its own epoll that owns every UDP listening
/// socket of the connector and every flow.
/// </summary>
/// <remarks>
/// Theory of operation. The listener bound each <c>udp:</c> listen address in the listen netns
/// and handed the socket over, like a TCP listening socket. Datagrams are read from it in
/// batches (recvmmsg) with the client's address; each client address is a flow, which owns one
/// UDP socket created here, so in the connect netns, and connected to the target. A client's
/// datagrams are sent on its flow's socket (sendmmsg, a run of consecutive datagrams of one flow
/// at once); what the target sends back is read from that socket and sent to the client from the
/// listening socket (sendto semantics, sendmmsg), so the client sees replies come from the
/// address it sent to. Datagrams keep their boundaries and their order within a flow; one that
/// finds no room is dropped and counted, never retried, as UDP would. A flow ends when nothing
/// moved either way for --udp-idle-timeout, or when its socket reports an error (ECONNREFUSED
/// after an ICMP port unreachable). One thread reads each listening socket, so datagrams of a
/// flow are never reordered between threads; it also serves every flow, which keeps the flow
/// table free of locks.
/// </remarks>
internal sealed partial class UdpRelay : IDisposable
{
    private const int MaxEvents = 64;
    private const ulong WakeToken = ulong.MaxValue;
    private const ulong FirstListenerToken = WakeToken - 1;

    private readonly UdpListener[] _listeners;
    private readonly UdpFlowTable _flows = new();
    private readonly UdpBatch _batch = new();
    private readonly long _idleMilliseconds;
    private readonly int _maxFlows;
    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _finished = new();
    private int _stopRequested;
    private long _now = Environment.TickCount64;

    /// <param name="listeners">Each UDP route's listener; owned by the relay from now on.</param>
    public UdpRelay(IReadOnlyList<UdpListener> listeners, RelayOptions options)
    {
        _listeners = [.. listeners];
        _idleMilliseconds = Math.Max(1, (long)options.UdpIdleTimeout.TotalMilliseconds);
        _maxFlows = options.MaxUdpFlows;
        _epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw SyscallException.FromLastError("epoll_create1", "UDP relay");
        }

        _wake = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (_wake < 0)
        {
            throw SyscallException.FromLastError("eventfd", "UDP relay");
        }

        Register(_wake, WakeToken);
        for (int i = 0; i < _listeners.Length; i++)
        {
            // Level-triggered: a batch at most per wake-up, the rest read on the next.
            Register(_listeners[i].Socket.Number, FirstListenerToken - (ulong)i);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "udp relay" };
    }

    public UdpStatistics Statistics { get; } = new();

    public void Start()
    {
        _thread.Start();
        Log.Debug($"udp relay: {_listeners.Length} listener(s), flows end after {_idleMilliseconds / 1000.0:0.###} s idle, at most {_maxFlows} at once");
    }

    /// <summary>
    /// Stops receiving, ends every flow and closes every socket, waiting at most
    /// <paramref name="limit"/> for the relay's thread to have done so. Callable from any thread, more than once.
    /// </summary>
    public unsafe void Stop(TimeSpan limit)
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 0)
        {
            ulong one = 1;
            _ = Libc.Write(_wake, &one, sizeof(ulong));
        }

        _finished.Wait(limit);
    }

    public void Dispose()
    {
        if (!_finished.IsSet)
        {
            return; // the thread still uses everything; the process is ending anyway
        }

        _batch.Dispose();
        _flows.Dispose();
        _ = Libc.Close(_epoll);
        _ = Libc.Close(_wake);
        _finished.Dispose();
    }

    private unsafe void Register(int fd, ulong token)
    {
        var registration = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = token };
        if (Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_ADD, fd, &registration) != 0)
        {
            throw SyscallException.FromLastError("epoll_ctl(EPOLL_CTL_ADD)", $"fd {fd}");
        }
    }

    private unsafe void Run()
    {
        Log.NeverWaitOnThisThread(); // a stderr nobody reads must not stop relaying
        var events = stackalloc Libc.EpollEvent[MaxEvents];
        try
        {
            while (Volatile.Read(ref _stopRequested) == 0)
            {
                int count = Libc.EpollWait(_epoll, events, MaxEvents, NextTimeout());
                _now = Environment.TickCount64;
                if (count < 0)
                {
                    var error = SyscallException.FromLastError("epoll_wait", "UDP relay");
                    if (error.Errno == Errno.EINTR)
                    {
                        continue;
                    }

                    Log.Error($"UDP relay failed: {error.Message}");
                    Log.FlushQueued(TimeSpan.FromSeconds(1));
                    Environment.Exit(1);
                }

                for (int i = 0; i < count; i++)
                {
                    ulong token = events[i].Data;
                    ulong listener = FirstListenerToken - token;
                    if (token == WakeToken)
                    {
                        break; // a stop: the loop's condition says so
                    }
                    else if (listener < (ulong)_listeners.Length)
                    {
                        ReceiveFromClients((int)listener);
                    }
                    else if (_flows.AtSlot((int)((uint)token & 0x7fffffff), (uint)(token >> 32)) is var flow && flow is not null)
                    {
                        ReceiveReplies(flow);
                    }
                }

                ExpireIdleFlows();
            }
        }
        catch (Exception e)
        {
            // The relay's own state is broken: say so and leave; the listener reports the exit.
            Log.Error($"UDP relay: internal error: {e.Message}");
            Log.DebugDetails(e.ToString());
            Log.FlushQueued(TimeSpan.FromSeconds(1));
            Environment.Exit(1);
        }

        while (_flows.Oldest is var flow && flow is not null)
        {
            EndFlow(flow, UdpFlowEnding.Stopped, null);
        }

        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _finished.Set();
    }

    private unsafe int NextTimeout()
    {
        var oldest = _flows.Oldest;
        if (oldest is null)
        {
            return -1;
        }

        long left = oldest->LastActive + _idleMilliseconds - Environment.TickCount64;
        return (int)Math.Clamp(left, 0, int.MaxValue);
    }

    private unsafe void ExpireIdleFlows()
    {
        while (_flows.Oldest is var oldest && oldest is not null && _now - oldest->LastActive >= _idleMilliseconds)
        {
            EndFlow(oldest, UdpFlowEnding.IdleTimeout, null);
        }
    }
}
