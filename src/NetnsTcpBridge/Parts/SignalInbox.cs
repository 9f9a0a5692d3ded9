using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Parts;

/// <summary>
/// The signals a part handles (SIGTERM, SIGINT, SIGHUP, SIGUSR1, and SIGUSR2 between the parts),
/// caught from the first moment and acted on once the part knows what to do with them.
/// </summary>
/// <remarks>
/// The executable blocks these signals before the runtime starts (Native/early_signals.c in the
/// CLI), so one sent in the first milliseconds stays pending instead of killing the process. Made
/// on the main thread, the inbox registers a handler for each and only then unblocks them there;
/// a pending signal is delivered at once and kept here until <see cref="On"/> names its action.
/// The runtime's threads keep them blocked: every signal is taken by the main thread, which lives
/// as long as the part does.
/// </remarks>
internal sealed class SignalInbox : IDisposable
{
    // PosixSignal names the first three; SIGUSR1 and SIGUSR2 are registered by their Linux numbers.
    private static readonly (PosixSignal Registered, int Number, string Name)[] Handled =
    [
        (PosixSignal.SIGTERM, Libc.SIGTERM, "SIGTERM"),
        (PosixSignal.SIGINT, Libc.SIGINT, "SIGINT"),
        (PosixSignal.SIGHUP, Libc.SIGHUP, "SIGHUP"),
        ((PosixSignal)Libc.SIGUSR1, Libc.SIGUSR1, "SIGUSR1"),
        ((PosixSignal)Libc.SIGUSR2, Libc.SIGUSR2, "SIGUSR2"),
    ];

    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Action<string>> _actions = [];
    private readonly List<int> _pending = [];

    public SignalInbox()
    {
        foreach (var (registered, _, _) in Handled)
        {
            _registrations.Add(PosixSignalRegistration.Create(registered, OnSignal));
        }

        Unblock();
    }

    /// <summary>
    /// From now on <paramref name="signal"/> calls <paramref name="action"/> with the signal's name;
    /// those that came earlier are passed on at once, in order.
    /// </summary>
    public void On(int signal, Action<string> action)
    {
        int earlier;
        lock (_gate)
        {
            _actions[signal] = action;
            earlier = _pending.RemoveAll(pending => pending == signal);
        }

        for (int i = 0; i < earlier; i++)
        {
            action(NameOf(signal));
        }
    }

    /// <summary>Every signal of <paramref name="signals"/> is ignored from now on, and those kept are dropped.</summary>
    public void Ignore(params ReadOnlySpan<int> signals)
    {
        foreach (int signal in signals)
        {
            On(signal, static _ => { });
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    /// <summary>The handled signals, as a set for a signal mask (blocked in a process about to be started or exec'd).</summary>
    internal static Libc.SigSet HandledSet() => Libc.SignalSet([.. Handled.Select(handled => handled.Number)]);

    private static unsafe void Unblock()
    {
        var set = HandledSet();
        int rc = Libc.PthreadSigMask(Libc.SIG_UNBLOCK, &set, null);
        if (rc != 0)
        {
            throw new SyscallException("pthread_sigmask", "SIG_UNBLOCK", rc);
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Never the default action: the part decides, or the signal waits for it to.
        context.Cancel = true;
        int signal = Array.Find(Handled, documented => documented.Registered == context.Signal).Number;
        Action<string>? action;
        lock (_gate)
        {
            if (!_actions.TryGetValue(signal, out action))
            {
                _pending.Add(signal);
                return;
            }
        }

        action(NameOf(signal));
    }

    private static string NameOf(int signal) => Array.Find(Handled, documented => documented.Number == signal).Name;
}
