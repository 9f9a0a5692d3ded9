using System.Globalization;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Privileges;

/// <summary>
/// Switches the whole process for good to an unprivileged user (<c>--user</c>), once everything
/// that needs root (entering namespaces, binding sockets, spawning the connector) is done.
/// </summary>
/// <remarks>
/// The order is the one that works: supplementary groups and the group first, while we may still
/// change them, the user last. Leaving uid 0 for a non-zero uid clears the permitted and effective
/// capabilities (no SECBIT_KEEP_CAPS is set), and glibc applies each call to every thread of the
/// process, .NET's own included.
/// PR_SET_NO_NEW_PRIVS then keeps any later execve from gaining privileges, but it is a flag of
/// the calling thread (inherited by threads and children it creates later), and glibc does not
/// spread it. The connector is born with it (the thread that spawns it sets it first, see
/// <see cref="Parts.Listener.ConnectorProcess"/>). Where a thread started earlier lacks it (the
/// listener: .NET's finalizer thread exists before Main), an allow-everything seccomp filter is
/// installed with SECCOMP_FILTER_FLAG_TSYNC, which the kernel documents as giving no_new_privs to
/// every thread. Everything is checked afterwards, on every thread: a half-done drop must never go unnoticed.
/// </remarks>
internal static class PrivilegeDrop
{
    public static unsafe void To(RunAsUser user, string part)
    {
        uint group = user.GroupId;
        Check(Libc.SetGroups(1, &group), "setgroups", $"[{group}]", user);
        Check(Libc.SetGid(group), "setgid", group.ToString(CultureInfo.InvariantCulture), user);
        Check(Libc.SetUid(user.UserId), "setuid", user.UserId.ToString(CultureInfo.InvariantCulture), user);
        Check(Libc.Prctl(Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl", "PR_SET_NO_NEW_PRIVS", user);
        bool filtered = false;
        if (ThreadStatuses().Any(status => Field(status, "NoNewPrivs") != "1"))
        {
            SpreadNoNewPrivileges(user);
            filtered = true;
        }

        Verify(user);
        Log.Debug($"{part}: now running as {user}, with no capabilities, no_new_privs on every thread{(filtered ? " (through an allow-all seccomp filter)" : string.Empty)}");
    }

    /// <summary>Sets this thread's no_new_privs on every thread of the process: see the remarks.</summary>
    private static unsafe void SpreadNoNewPrivileges(RunAsUser user)
    {
        var allow = new Libc.SockFilter { Code = Libc.BPF_RET_K, K = Libc.SECCOMP_RET_ALLOW };
        var program = new Libc.SockFprog { Length = 1, Filter = &allow };
        int result = Libc.Seccomp(Libc.SECCOMP_SET_MODE_FILTER, Libc.SECCOMP_FILTER_FLAG_TSYNC, &program);
        if (result > 0)
        {
            // TSYNC names a thread it could not synchronise (one with a filter of its own).
            throw new BridgeException($"cannot switch to user {user}: seccomp(TSYNC) could not reach thread {result}; stopping");
        }

        Check(result, "seccomp", "SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC", user);
    }

    private static void Check(int result, string call, string argument, RunAsUser user)
    {
        if (result == 0)
        {
            return;
        }

        var error = SyscallException.FromLastError(call, argument);
        string hint = error.Errno == Errno.EPERM ? $"; {SettingNames.Of(Setting.User)} needs the bridge to be started as root" : string.Empty;
        throw new BridgeException($"cannot switch to user {user}: {call}({argument}): {error.Reason}{hint}", error);
    }

    private static void Verify(RunAsUser user)
    {
        if (Libc.GetUid() != user.UserId || Libc.GetEuid() != user.UserId || Libc.GetGid() != user.GroupId || Libc.GetEgid() != user.GroupId)
        {
            throw new BridgeException($"switching to user {user} did not take: now uid {Libc.GetUid()}/{Libc.GetEuid()}, gid {Libc.GetGid()}/{Libc.GetEgid()}; stopping");
        }

        if (Libc.SetUid(0) == 0)
        {
            throw new BridgeException($"after switching to user {user} the process could become root again; stopping");
        }

        foreach (var status in SettledThreadStatuses())
        {
            foreach (string key in new[] { "CapPrm", "CapEff", "CapAmb" })
            {
                if (!ulong.TryParse(Field(status, key), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong capabilities) || capabilities != 0)
                {
                    throw new BridgeException($"after switching to user {user} thread {Field(status, "Pid")} still has capabilities ({key} {Field(status, key)}); stopping");
                }
            }

            if (Field(status, "NoNewPrivs") != "1")
            {
                throw new BridgeException($"after switching to user {user} thread {Field(status, "Pid")} lacks no_new_privs; stopping");
            }
        }
    }

    /// <summary>
    /// The threads' status lines once no thread still shows root's capabilities, or after a second.
    /// </summary>
    /// <remarks>
    /// A detached thread that is ending leaves glibc's list of threads before the kernel ends it,
    /// so setuid's broadcast skips it and it may still show its old credentials for a moment: it
    /// runs no more of our code, and it is gone on the next look. A thread that stays is reported.
    /// </remarks>
    private static List<string[]> SettledThreadStatuses()
    {
        var deadline = DateTime.UtcNow.AddSeconds(1);
        while (true)
        {
            var statuses = ThreadStatuses();
            bool settled = statuses.All(status => Field(status, "CapPrm") is "0000000000000000" && Field(status, "CapEff") is "0000000000000000");
            if (settled || DateTime.UtcNow >= deadline)
            {
                return statuses;
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>The status lines of every thread of this process (capabilities and no_new_privs are per thread).</summary>
    private static List<string[]> ThreadStatuses()
    {
        var statuses = new List<string[]>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                statuses.Add(File.ReadAllLines(Path.Combine(task, "status")));
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return statuses;
    }

    /// <summary>The value of "Key:\tvalue" in a status file, or null.</summary>
    private static string? Field(string[] status, string key) =>
        status.FirstOrDefault(line => line.StartsWith(key + ":", StringComparison.Ordinal))?[(key.Length + 1)..].Trim();
}
