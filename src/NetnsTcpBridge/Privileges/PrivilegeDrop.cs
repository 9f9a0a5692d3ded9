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
/// process, .NET's own included. PR_SET_NO_NEW_PRIVS then keeps any later execve from gaining
/// privileges. Everything is checked afterwards: a half-done drop must never go unnoticed.
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
        Verify(user);
        Log.Debug($"{part}: now running as {user}, with no capabilities");
    }

    private static void Check(int result, string call, string argument, RunAsUser user)
    {
        if (result == 0)
        {
            return;
        }

        var error = SyscallException.FromLastError(call, argument);
        string hint = error.Errno == Errno.EPERM ? "; --user needs the bridge to be started as root" : string.Empty;
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

        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if ((line.StartsWith("CapPrm:", StringComparison.Ordinal) || line.StartsWith("CapEff:", StringComparison.Ordinal))
                && ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) != 0)
            {
                throw new BridgeException($"after switching to user {user} the process still has capabilities ({line.Replace('\t', ' ')}); stopping");
            }
        }
    }
}
