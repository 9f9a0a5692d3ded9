using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// SIGTERM, SIGINT and SIGHUP to the listener, caught from the first moment of the bridge. A stop
/// signal that arrives while the bridge is still starting (opening namespaces, binding, starting
/// connectors) must not kill it with the default action, which would leave the connectors to
/// report a vanished listener: it is kept, and acted on as soon as there is someone to stop.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Lock _gate = new();
    private readonly Queue<string> _pending = new();
    private Action<string>? _stop;

    public StopSignals()
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    /// <summary>From now on each stop signal calls <paramref name="stop"/> with its name; those that came earlier are passed on at once, in order.</summary>
    public void Attach(Action<string> stop)
    {
        var earlier = new List<string>();
        lock (_gate)
        {
            _stop = stop;
            earlier.AddRange(_pending);
            _pending.Clear();
        }

        foreach (string cause in earlier)
        {
            stop(cause);
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Action<string>? stop;
        lock (_gate)
        {
            stop = _stop;
            if (stop is null)
            {
                _pending.Enqueue(context.Signal.ToString());
                return;
            }
        }

        stop(context.Signal.ToString());
    }
}
