using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

// Connecting to the target: each of its addresses in turn, each attempt bounded by the connect timeout.
internal sealed partial class RelayConnection
{
    /// <summary>Which address of the route's <see cref="RelayRoute.Targets"/> is being tried.</summary>
    public int Attempt { get; private set; }

    /// <summary>
    /// No further address of the target is tried once this many connect timeouts have passed since
    /// the first attempt, so a client never waits more than one more: a list of addresses that
    /// do not answer would otherwise cost it one timeout each.
    /// </summary>
    private const int ConnectTimeoutsForAllAddresses = 2;

    private long _firstAttemptTicks;

    /// <summary>Whether a connect was ever started: the close line then names the address tried last.</summary>
    private bool _connectBegun;

    private void BeginConnect(EventLoop loop)
    {
        var target = _route.Targets[Attempt];
        if (Attempt == 0)
        {
            _firstAttemptTicks = Environment.TickCount64;
        }

        _connectBegun = true;
        int result = ServerConnector.Begin(target, _context.Options, out int server);
        if (server < 0 && result is (int)Errno.EMFILE or (int)Errno.ENFILE && loop.ReleaseReserveDescriptor())
        {
            // Kept for this moment: the loop held a descriptor back when it took the client.
            result = ServerConnector.Begin(target, _context.Options, out server);
        }

        Server = server;
        if (result == 0)
        {
            loop.Watch(this, Server, isServer: true);
            BeginRelaying(serverHasInput: true);
        }
        else if (result == (int)Errno.EINPROGRESS)
        {
            Phase = RelayPhase.Connecting;
            DeadlineTicks = Environment.TickCount64 + (long)_context.Options.ConnectTimeout.TotalMilliseconds;
            loop.Watch(this, Server, isServer: true);
            loop.TrackDeadline(this);
        }
        else
        {
            ConnectFailed(result);
        }
    }

    /// <summary>
    /// Tries the next address of the target if there is one; otherwise gives up on this client.
    /// <paramref name="errno"/> is why connecting failed, or null when it timed out.
    /// </summary>
    private void ConnectFailed(int? errno)
    {
        _context.Engine.Statistics.RecordConnectAttemptFailed();
        string reason = errno is { } number
            ? SyscallException.DescribeErrno(number)
            : $"no answer within {_context.Options.ConnectTimeout.TotalSeconds:0.###} s";
        if (Attempt + 1 >= _route.Targets.Count)
        {
            FailConnect(errno, reason);
            return;
        }

        long spent = Environment.TickCount64 - _firstAttemptTicks;
        if (spent >= ConnectTimeoutsForAllAddresses * (long)_context.Options.ConnectTimeout.TotalMilliseconds)
        {
            FailConnect(errno, $"{reason}; {_route.Targets.Count - Attempt - 1} more address(es) not tried after {spent / 1000.0:0.###} s of attempts");
            return;
        }

        Log.Debug($"{_route.LogPrefix}{ClientName}: {TcpAddress.Format(_route.Targets[Attempt])}: {reason}; trying the next address");
        if (Server >= 0)
        {
            _ = Libc.Close(Server); // only we hold it: closing also removes it from epoll
            Server = -1;
        }

        Attempt++;
        BeginConnect(_context.Loop);
    }

    private void FailConnect(int? errno, string reason)
    {
        var kind = errno switch
        {
            null => CloseReason.ConnectTimeout,
            (int)Errno.ECONNREFUSED => CloseReason.ConnectRefused,
            _ => CloseReason.ConnectFailed,
        };
        End(kind, errno is null ? reason : SyscallException.DescribeErrno(errno.Value));
        if (WarningBurstLimit.ConnectFailures.TryWrite(out long leftOut))
        {
            Log.Warning($"{_route.LogPrefix}cannot connect to {_route.TargetName} for client {ClientName}: {reason}; resetting the client{WarningBurstLimit.LeftOutNote(leftOut)}");
        }

        Close(reset: true);
    }
}
