using System.Runtime.ExceptionServices;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Namespaces;

/// <summary>
/// Runs a short piece of synchronous work inside a network namespace on a throwaway thread.
/// </summary>
/// <remarks>
/// setns(CLONE_NEWNET) moves only the calling thread, and every thread it creates is born in that
/// namespace, .NET's thread-pool workers included. So the work runs on a thread of our own that
/// nobody else schedules onto, must stay synchronous (no await, no tasks, no thread pool), and the
/// thread returns to where it started before it ends. A thread that cannot return kills the process,
/// because from then on nothing could be trusted about which namespace code runs in.
/// </remarks>
public static class NamespaceThread
{
    /// <summary>Runs <paramref name="work"/> inside <paramref name="target"/>, or right here when it is null.</summary>
    public static T Run<T>(NetworkNamespace? target, string role, Func<T> work) =>
        target is null ? work() : OnThread(role, () => RunInside(target, role, work));

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own that ends with it, inside
    /// <paramref name="target"/> or, when it is null, where this process is: for work that changes
    /// what only its thread has (capabilities, no_new_privs, a mount namespace of its own) and
    /// cannot change it back. The thread does not return to its namespace (it may no longer be
    /// allowed to); it only ends, and starts no thread of ours, so nothing runs there afterwards.
    /// </summary>
    public static T RunOnEndingThread<T>(NetworkNamespace? target, string role, Func<T> work) =>
        OnThread(role, () =>
        {
            if (target is not null)
            {
                Enter(target, role);
            }

            return work();
        });

    private static T OnThread<T>(string role, Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {role}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static void Enter(NetworkNamespace target, string role)
    {
        if (Libc.Setns(target.Descriptor.Number, Libc.CLONE_NEWNET) != 0)
        {
            var error = SyscallException.FromLastError("setns", target.Description);
            string hint = error.Errno is Errno.EPERM or Errno.EACCES
                ? "; entering a network namespace needs root or CAP_SYS_ADMIN"
                : string.Empty;
            throw new BridgeException($"cannot enter {role} netns {target.Description}: {error.Reason}{hint}", error);
        }
    }

    private static T RunInside<T>(NetworkNamespace target, string role, Func<T> work)
    {
        using var home = NetworkNamespace.OfCurrentThread();
        Enter(target, role);
        try
        {
            return work();
        }
        finally
        {
            if (Libc.Setns(home.Descriptor.Number, Libc.CLONE_NEWNET) != 0)
            {
                Environment.FailFast($"cannot return from {role} netns {target.Description} to the original one");
            }
        }
    }
}
