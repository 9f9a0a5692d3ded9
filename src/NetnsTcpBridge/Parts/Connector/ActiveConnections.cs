using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>The relays in flight, so that they can be reset together and waited for.</summary>
internal sealed class ActiveConnections
{
    private readonly object _gate = new();
    private readonly HashSet<SocketRelay> _relays = [];
    private int _pending;
    private TaskCompletionSource? _idle;

    /// <summary>Counts a client from the moment it arrives, before its relay exists.</summary>
    public void BeginClient()
    {
        lock (_gate)
        {
            _pending++;
        }
    }

    public void Track(SocketRelay relay)
    {
        lock (_gate)
        {
            _relays.Add(relay);
        }
    }

    /// <summary>Ends what <see cref="BeginClient"/> started, whether or not a relay was tracked.</summary>
    public void EndClient(SocketRelay? relay)
    {
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            if (relay is not null)
            {
                _relays.Remove(relay);
            }

            if (--_pending == 0)
            {
                idle = _idle;
                _idle = null;
            }
        }

        idle?.TrySetResult();
    }

    /// <summary>Completes when no client is left.</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            if (_pending == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    /// <summary>Resets every relayed connection: used when the bridge stops abortively.</summary>
    public int AbortAll()
    {
        SocketRelay[] relays;
        lock (_gate)
        {
            relays = [.. _relays];
        }

        foreach (var relay in relays)
        {
            relay.Abort();
        }

        return relays.Length;
    }
}
