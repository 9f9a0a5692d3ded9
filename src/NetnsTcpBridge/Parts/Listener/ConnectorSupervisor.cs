using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// Watches the connector process from the listener and decides how the whole bridge exits.
/// </summary>
/// <remarks>
/// The connector's exit always ends the bridge, so that neither part outlives the other:
/// - after the listener asked it to stop (a signal), the bridge exits 0;
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

    public ConnectorSupervisor(ConnectorProcess connector)
    {
        _connector = connector;
        _waiter = new Thread(WaitAndExit) { IsBackground = true, Name = "connector waiter" };
        _waiter.Start();
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, OnStopSignal));
        }
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

    private void OnStopSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        bool first = Interlocked.Increment(ref _stopRequests) == 1;
        Log.Debug(first ? $"{context.Signal}: stopping" : $"{context.Signal} again: stopping at once");
        _connector.Signal(first ? Libc.SIGTERM : Libc.SIGKILL);
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
