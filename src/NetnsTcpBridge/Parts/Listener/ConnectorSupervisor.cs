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

    /// <param name="beginDrain">Called on the first stop signal: stop taking clients, so that the connector can drain.</param>
    public ConnectorSupervisor(ConnectorProcess connector, Action beginDrain)
    {
        _connector = connector;
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
        RequestStop($"{context.Signal}", "again to stop at once");
    }

    /// <summary>
    /// Acts as a stop signal would: the first request drains, the second resets, the third kills.
    /// <paramref name="cause"/> says why, e.g. "SIGTERM"; <paramref name="howToHurry"/> how to stop at once.
    /// </summary>
    public void RequestStop(string cause, string howToHurry = "SIGTERM to stop at once")
    {
        switch (Interlocked.Increment(ref _stopRequests))
        {
            case 1:
                Log.Info($"{cause}: no new clients; letting open connections finish ({howToHurry})");
                Systemd.ServiceNotifier.Notify("STOPPING=1");
                _beginDrain();
                break;
            case 2:
                Log.Info($"{cause} again: resetting open connections and stopping");
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
