using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// Watches the connector processes (one per connect namespace) from the listener and decides how
/// the whole bridge exits.
/// </summary>
/// <remarks>
/// A connector's exit always ends the bridge, so that no part outlives the others:
/// - after a stop signal (drained, or reset on a second signal), the bridge exits 0 once every
///   connector has;
/// - after the last client of a one-shot bridge, it exits with the connector's status;
/// - otherwise a connector died on its own: one line saying so, and exit status 1 (the other
///   connectors read end-of-file on their channels and reset their connections).
/// The other direction is covered by the channel: when the listener dies, the connector reads
/// end-of-file on its end and exits.
/// </remarks>
internal sealed class ConnectorSupervisor
{
    private readonly IReadOnlyList<ConnectorProcess> _connectors;
    private readonly Thread[] _waiters;
    private int _running;
    private int _worstStatus;
    private int _stopRequests;
    private readonly bool _finishExpected;

    private readonly Action<TimeSpan> _beginDrain;
    private readonly TimeSpan _drainTimeout;

    /// <param name="drainTimeout">How long open connections may go on after the first stop signal (for the status line).</param>
    /// <param name="beginDrain">Called on the first stop signal with the drain time: tell the connectors to stop taking clients and finish the open connections within it.</param>
    /// <param name="finishExpected">The connectors end by themselves after their one client (a one-shot bridge): their exit is no surprise, even one that came before this supervisor.</param>
    public ConnectorSupervisor(IReadOnlyList<ConnectorProcess> connectors, TimeSpan drainTimeout, Action<TimeSpan> beginDrain, bool finishExpected)
    {
        _connectors = connectors;
        _drainTimeout = drainTimeout;
        _beginDrain = beginDrain;
        _finishExpected = finishExpected;
        _running = connectors.Count;
        _waiters = [.. connectors.Select(connector => new Thread(() => WaitAndExit(connector)) { IsBackground = true, Name = $"connector {connector.Pid} waiter" })];
        foreach (var waiter in _waiters)
        {
            waiter.Start();
        }
    }

    /// <summary>Blocks until the connectors have exited; the process ends from a waiter thread.</summary>
    public void WaitForConnectors()
    {
        foreach (var waiter in _waiters)
        {
            waiter.Join();
        }
    }

    /// <summary>True once a stop signal has come: the bridge is draining or stopping.</summary>
    public bool IsStopping => Volatile.Read(ref _stopRequests) > 0;

    /// <summary>
    /// Acts on a stop signal (see <see cref="SignalInbox"/>) or another cause: the first request
    /// stops taking clients and lets the connectors finish the open connections within the drain
    /// timeout; the second resets everything at once; the third kills the connectors.
    /// <paramref name="cause"/> says why, e.g. "SIGTERM"; <paramref name="howToHurry"/> how to stop at once.
    /// </summary>
    public void RequestStop(string cause, string howToHurry = "SIGTERM to stop at once")
    {
        switch (Interlocked.Increment(ref _stopRequests))
        {
            case 1:
                Log.Info($"{cause}: no new clients; letting open connections finish ({howToHurry})");
                Systemd.ServiceNotifier.Notify($"STOPPING=1\nSTATUS=draining: no new clients; open connections may finish within {_drainTimeout.TotalSeconds:0.###} s");
                _beginDrain(_drainTimeout);
                break;
            case 2:
                Log.Info($"{cause} again: resetting open connections and stopping");
                Systemd.ServiceNotifier.Notify("STATUS=stopping: resetting open connections");
                SignalAll(Libc.SIGUSR2); // the connectors' "reset now"; they leave stop signals to us
                break;
            default:
                SignalAll(Libc.SIGKILL);
                break;
        }
    }

    /// <summary>Sends <paramref name="signal"/> to every connector.</summary>
    public void SignalAll(int signal)
    {
        foreach (var connector in _connectors)
        {
            _ = connector.TrySignal(signal); // one already reaped gets nothing
        }
    }

    private void WaitAndExit(ConnectorProcess connector)
    {
        var status = connector.WaitForExit();
        bool expected = Volatile.Read(ref _stopRequests) > 0 || _finishExpected;
        if (!expected)
        {
            Log.Error($"the connector part (pid {connector.Pid}) ended unexpectedly ({status}); stopping the listener too");
            Environment.Exit(1);
        }

        int code = status.ShellCode;
        int worst;
        do
        {
            worst = Volatile.Read(ref _worstStatus);
        }
        while (code > worst && Interlocked.CompareExchange(ref _worstStatus, code, worst) != worst);

        Log.Debug($"connector part (pid {connector.Pid}) ended ({status})");
        if (Interlocked.Decrement(ref _running) > 0)
        {
            return; // the last one to end decides
        }

        int exitCode = Volatile.Read(ref _stopRequests) > 0 ? 0 : Volatile.Read(ref _worstStatus);
        Log.Debug($"every connector part has ended; exiting with status {exitCode}");
        Environment.Exit(exitCode);
    }
}
