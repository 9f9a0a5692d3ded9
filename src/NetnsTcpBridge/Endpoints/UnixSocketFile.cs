using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>
/// The file behind a listening UNIX path socket: replacing a stale one, creating it with its mode
/// and owner before it listens, and removing it at exit, each time only a socket file and only the
/// one this process made, reached through its directory opened once (<see cref="SocketFileDirectory"/>).
/// </summary>
internal static class UnixSocketFile
{
    private static readonly List<CreatedSocketFile> s_removedAtExit = [];

    /// <summary>
    /// Creates the socket file at <paramref name="path"/>: a stale one (a socket no one listens
    /// on) is removed first; <paramref name="bind"/> is given the name to bind to, relative to the
    /// directory, and makes the file with its mode; the owner is changed through a descriptor of
    /// that very file; the file is removed at exit. All of it before the caller listens.
    /// </summary>
    public static void Create(string path, SocketFileAccess access, Action<EndPoint> bind)
    {
        var directory = SocketFileDirectory.Open(path);
        FileStatus created;
        try
        {
            BindInDirectory(directory, access.Mode, bind);
            created = directory.Find() is { IsSocket: true } found ? found : throw SocketFileDirectory.Replaced($"cannot listen on unix:{path}");
        }
        catch
        {
            directory.Dispose();
            throw;
        }

        // From here the file is ours and goes at exit, even if what follows fails.
        RemoveAtExit(new CreatedSocketFile(directory, created));
        if (access.Owner is { } owner)
        {
            directory.SetOwner(created, owner);
        }
    }

    /// <summary>
    /// Runs the stale check and <paramref name="bind"/> on a thread of its own that took its own
    /// file-system state (<c>unshare(CLONE_FS)</c>): its working directory is the socket's
    /// directory, so bind names the file relative to it and never resolves the path again, and
    /// its umask is the complement of <paramref name="mode"/>, since bind(2) creates the file with
    /// 0777 less the umask. Nothing changes the mode afterwards, so there is no moment when
    /// clients could connect under another mode.
    /// </summary>
    /// <remarks>
    /// The kernel keeps the address as bound, so getsockname (and a client's getpeername, and
    /// <c>ss -x</c>) show the bare name rather than the whole path; the bridge's own messages name
    /// the path the user gave.
    /// </remarks>
    private static void BindInDirectory(SocketFileDirectory directory, UnixFileMode? mode, Action<EndPoint> bind) =>
        Namespaces.NamespaceThread.RunOnEndingThread(null, "socket file", () =>
        {
            if (Libc.Unshare(Libc.CLONE_FS) != 0)
            {
                var error = SyscallException.FromLastError("unshare", "CLONE_FS");
                throw new BridgeException($"cannot create the socket file unix:{directory.Path}: {error.Call}({error.Subject}): {error.Reason}", error);
            }

            if (Libc.FChdir(directory.Directory.Number) != 0)
            {
                var error = SyscallException.FromLastError("fchdir", directory.Path);
                throw new BridgeException($"cannot create the socket file unix:{directory.Path}: {error.Call}: {error.Reason}", error);
            }

            if (mode is { } wanted)
            {
                _ = Libc.Umask(~(uint)wanted & 0x1FF);
            }

            var name = new UnixDomainSocketEndPoint(directory.Name);
            RemoveIfStale(directory, name);
            bind(name);
            return true;
        });

    /// <summary>
    /// A socket file left by a process that is gone makes bind fail with EADDRINUSE. Remove it
    /// only when it is a socket (not a symlink, not another file) and connecting to it is refused
    /// (no one listens); a live socket or a file of another kind is left alone and reported.
    /// </summary>
    private static void RemoveIfStale(SocketFileDirectory directory, UnixDomainSocketEndPoint name)
    {
        if (directory.Find() is not { } found)
        {
            return;
        }

        if (!found.IsSocket)
        {
            throw new BridgeException($"cannot listen on unix:{directory.Path}: the file exists and is not a socket; remove it or pick another path");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(name);
            throw new BridgeException($"cannot listen on unix:{directory.Path}: another program listens there; stop it or pick another path");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Only the file that was checked: should another have taken its place meanwhile, bind says so.
            _ = directory.RemoveIfStill(found, out _);
        }
    }

    /// <summary>The files registered with <see cref="RemoveAtExit"/>, for an image that takes over (it registers them again).</summary>
    public static IReadOnlyList<CreatedSocketFile> RemovedAtExit
    {
        get
        {
            lock (s_removedAtExit)
            {
                return [.. s_removedAtExit];
            }
        }
    }

    /// <summary>
    /// Removes the socket file this process created when the process exits, if it is still that
    /// file (SIGKILL leaves it; the next start replaces it). After --user the directory may no
    /// longer be ours to change: then the file stays, with one warning, and the next start
    /// replaces it as stale. The registry holds the directory's descriptor for good.
    /// </summary>
    public static void RemoveAtExit(CreatedSocketFile file)
    {
        lock (s_removedAtExit)
        {
            s_removedAtExit.Add(file);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (!file.Directory.RemoveIfStill(file.Identity, out string? problem))
            {
                Logging.Log.Warning($"cannot remove the socket file unix:{file.Directory.Path} at exit: {problem}");
            }
        };
    }
}
