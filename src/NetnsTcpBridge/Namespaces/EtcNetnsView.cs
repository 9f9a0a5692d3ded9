using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Namespaces;

/// <summary>
/// Shows the calling thread <c>/etc</c> as <c>ip netns exec NAME</c> shows it to a program: each
/// file of <c>/etc/netns/NAME/</c> bind-mounted over its namesake in <c>/etc</c>, so that glibc's
/// resolver reads that namespace's <c>hosts</c>, <c>resolv.conf</c>, <c>nsswitch.conf</c>.
/// </summary>
/// <remarks>
/// A multi-threaded process cannot enter another mount namespace, but one of its threads may make
/// one of its own: <c>unshare(CLONE_NEWNS)</c> (which implies its own fs state) leaves every other
/// thread with the host's view. <c>/</c> is made a slave first, so the bind mounts stay in this
/// namespace and nothing propagates back to the host. The thread can never return to the host's
/// mount namespace, so it must be one that ends after its work
/// (<see cref="NamespaceThread.RunOnEndingThread"/>); its namespace goes with it.
/// </remarks>
internal static class EtcNetnsView
{
    /// <summary>
    /// Applies the view of <c>/etc/netns/<paramref name="name"/></c> to this thread. Returns false,
    /// after one warning saying why, when the kernel or the environment refuses: the thread then
    /// keeps the host's /etc.
    /// </summary>
    public static bool TryApply(string name)
    {
        string directory = $"/etc/netns/{name}";
        if (!Directory.Exists(directory))
        {
            return true;
        }

        if (Libc.Unshare(Libc.CLONE_NEWNS) != 0)
        {
            var error = SyscallException.FromLastError("unshare", "CLONE_NEWNS");
            Log.Warning($"cannot show host-name lookups the files of {directory} ({error.Reason}; a mount namespace of its own needs CAP_SYS_ADMIN and no RestrictNamespaces= without mnt): the host's /etc/hosts and /etc/resolv.conf are used instead");
            return false;
        }

        if (Libc.Mount(null, "/", null, Libc.MS_SLAVE | Libc.MS_REC, 0) != 0)
        {
            var error = SyscallException.FromLastError("mount", "/, MS_SLAVE|MS_REC");
            Log.Warning($"cannot show host-name lookups the files of {directory} ({error.Reason}): the host's /etc/hosts and /etc/resolv.conf are used instead");
            return false;
        }

        foreach (string file in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            string target = Path.Combine("/etc", Path.GetFileName(file));
            if (Libc.Mount(file, target, null, Libc.MS_BIND, 0) != 0)
            {
                // As ip netns exec does: say so, and go on with the others.
                var error = SyscallException.FromLastError("mount", $"{file} on {target}, MS_BIND");
                Log.Warning($"cannot show {file} as {target} to host-name lookups: {error.Reason}");
            }
        }

        return true;
    }
}
