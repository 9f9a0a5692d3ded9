using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// Watches the connector process from the listener and decides how the whole bridge exits.
/// </summary>
/// <remarks>
/// The connector's exit always ends the bridge, so that neither part outlives the other:
/// - after a stop signal (drained, or reset on a second signal), the bridge exits 0;
/// - after the last client of a one-shot bridge, it exits with the connector's status;
/// - otherwise the connector died on its own: one line saying so, and exit status 1.
/// The other direction is covered by the channel: when the listener dies, the connector reads
/// end-of-file on its end and exits.
/// </remarks>
internal sealed class ConnectorSupervisor : IDisposable
{
    private readonly ConnectorProcess _connector;
    private readonly Thread _waiter;
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _stopRequests;
    private volatile bool _finishExpected;

    private readonly Action _beginDrain;
    private readonly TimeSpan _drainTimeout;

    /// <param name="drainTimeout">How long open connections may go on after the first stop signal (for the status line).</param>
    /// <param name="beginDrain">Called on the first stop signal: stop taking clients, so that the connector can drain.</param>
    public ConnectorSupervisor(ConnectorProcess connector, TimeSpan drainTimeout, Action beginDrain)
    {
        _connector = connector;
        _drainTimeout = drainTimeout;
        _beginDrain = beginDrain;
        _waiter = new Thread(WaitAndExit) { IsBackground = true, Name = "connector waiter" };
        _waiter.Start();
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, OnStopSignal));
        }

        // The counters live in the connector; SIGUSR1 to the bridge's main process reaches them.
        _signals.Add(PosixSignalRegistration.Create(Signals.SIGUSR1, context =>
        {
            context.Cancel = true;
            _connector.Signal((int)Signals.SIGUSR1);
        }));
    }

    /// <summary>Tells the supervisor the connector has been sent its last client and will exit by itself.</summary>
    public void ExpectFinish() => _finishExpected = true;

    /// <summary>Blocks until the connector has exited; the process ends from the waiter thread.</summary>
    public void WaitForConnector() => _waiter.Join();

    public void Dispose()
    {
        foreach (var registration in _signals)
        {
            registration.Dispose();
        }
    }

    /// <summary>True once a stop signal has come: the bridge is draining or stopping.</summary>
    public bool IsStopping => Volatile.Read(ref _stopRequests) > 0;

    // First signal: stop taking clients; the connector finishes the open connections within the
    // drain timeout, then exits 0. Second signal: the connector resets everything at once.
    // Third: it is killed.
    private void OnStopSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        switch (Interlocked.Increment(ref _stopRequests))
        {
            case 1:
                Log.Info($"{context.Signal}: no new clients; letting open connections finish (again to stop at once)");
                Systemd.ServiceNotifier.Notify($"STOPPING=1\nSTATUS=draining: no new clients; open connections may finish within {_drainTimeout.TotalSeconds:0.###} s");
                _beginDrain();
                break;
            case 2:
                Log.Info($"{context.Signal} again: resetting open connections and stopping");
                Systemd.ServiceNotifier.Notify("STATUS=stopping: resetting open connections");
                _connector.Signal(Libc.SIGTERM);
                break;
            default:
                _connector.Signal(Libc.SIGKILL);
                break;
        }
    }

    private void WaitAndExit()
    {
        var status = _connector.WaitForExit();
        int exitCode;
        if (Volatile.Read(ref _stopRequests) > 0)
        {
            exitCode = 0;
        }
        else if (_finishExpected)
        {
            exitCode = status.ShellCode;
        }
        else
        {
            Log.Error($"the connector part (pid {_connector.Pid}) ended unexpectedly ({status}); stopping the listener too");
            exitCode = 1;
        }

        Log.Debug($"connector part ended ({status}); exiting with status {exitCode}");
        Environment.Exit(exitCode);
    }
}
