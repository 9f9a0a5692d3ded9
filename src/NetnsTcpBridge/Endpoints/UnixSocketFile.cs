using System.Net.Sockets;

namespace NetnsTcpBridge.Endpoints;

/// <summary>The file behind a UNIX path socket: replacing a stale one, and removing our own at exit.</summary>
public static class UnixSocketFile
{
    /// <summary>
    /// A socket file left by a process that is gone makes bind fail with EADDRINUSE. Remove it
    /// only when it is a socket and connecting to it is refused (no one listens); a live socket
    /// or a file of another kind is left alone and reported.
    /// </summary>
    public static void RemoveIfStale(UnixDomainSocketEndPoint endpoint)
    {
        string? path = UnixAddress.FilePath(endpoint);
        if (path is null || !Path.Exists(path))
        {
            return;
        }

        if (Interop.Libc.FileType(path) != Interop.Libc.S_IFSOCK)
        {
            throw new BridgeException($"cannot listen on unix:{path}: the file exists and is not a socket; remove it or pick another path");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(endpoint);
            throw new BridgeException($"cannot listen on unix:{path}: another program listens there; stop it or pick another path");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Runs <paramref name="bind"/> so that the socket file it creates has <paramref name="mode"/>
    /// from its first moment: on a thread of its own that took its own file-system state
    /// (<c>unshare(CLONE_FS)</c>) and set its umask to the complement of the mode, since bind(2)
    /// creates the file with 0777 less the umask. Nothing changes the mode afterwards, so there is
    /// no moment when clients could connect under another mode, and no path to resolve again, where
    /// a symlink swapped in after bind would have had root chmod its target.
    /// </summary>
    public static void BindWithMode(Action bind, UnixFileMode mode) =>
        Namespaces.NamespaceThread.RunOnEndingThread(null, "socket file", () =>
        {
            if (Interop.Libc.Unshare(Interop.Libc.CLONE_FS) != 0)
            {
                var error = Interop.SyscallException.FromLastError("unshare", "CLONE_FS");
                throw new BridgeException($"cannot create the socket file with its mode: {error.Call}({error.Subject}): {error.Reason}", error);
            }

            _ = Interop.Libc.Umask(~(uint)mode & 0x1FF);
            bind();
            return true;
        });

    /// <summary>
    /// Sets the owner and group of the socket file (who may connect, with <see cref="BindWithMode"/>);
    /// the link itself is changed, never what a symlink put there would point to.
    /// </summary>
    public static void SetOwner(UnixDomainSocketEndPoint endpoint, Privileges.FileOwner owner)
    {
        if (UnixAddress.FilePath(endpoint) is { } path
            && Interop.Libc.LChown(path, owner.UserId ?? uint.MaxValue, owner.GroupId ?? uint.MaxValue) != 0)
        {
            var error = Interop.SyscallException.FromLastError("lchown", path);
            throw new BridgeException($"cannot give unix:{path} to {owner.Name}: {error.Reason}", error);
        }
    }

    /// <summary>
    /// Removes the socket file we created when the process exits (SIGKILL leaves it; the next start
    /// replaces it). After --user the directory may no longer be ours to change: then the file stays,
    /// with one warning, and the next start replaces it as stale.
    /// </summary>
    public static void RemoveAtExit(UnixDomainSocketEndPoint endpoint)
    {
        if (UnixAddress.FilePath(endpoint) is { } path)
        {
            RemoveAtExit(path);
        }
    }

    private static readonly List<string> s_removedAtExit = [];

    /// <summary>The files registered with <see cref="RemoveAtExit(UnixDomainSocketEndPoint)"/>, for an image that takes over (it registers them again).</summary>
    public static IReadOnlyList<string> RemovedAtExit
    {
        get
        {
            lock (s_removedAtExit)
            {
                return [.. s_removedAtExit];
            }
        }
    }

    /// <summary>Removes the socket file at <paramref name="path"/> when the process exits (see the overload).</summary>
    public static void RemoveAtExit(string path)
    {
        lock (s_removedAtExit)
        {
            s_removedAtExit.Add(path);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Interop.Libc.Unlink(path) != 0)
            {
                var error = Interop.SyscallException.FromLastError("unlink", path);
                if (error.Errno != Interop.Errno.ENOENT)
                {
                    string hint = error.Errno is Interop.Errno.EACCES or Interop.Errno.EPERM ? " (with --user, that user needs write access to the directory)" : string.Empty;
                    Logging.Log.Warning($"cannot remove the socket file unix:{path} at exit: {error.Reason}{hint}; the next start replaces it");
                }
            }
        };
    }
}
