using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Privileges;

namespace NetnsTcpBridge.Endpoints;

/// <summary>
/// The directory of a listening socket file, opened once (<c>O_PATH</c>) when the listener sets
/// up and kept for the whole run, and the file's name in it. Every step on the file (looking at
/// what is there, binding, giving it its owner, removing it) goes through this descriptor by
/// name and never follows a symlink: whoever may write to the directory can put a symlink or
/// another file in the socket's place at any moment, or rename a directory of the path, but
/// cannot make the bridge act on a file elsewhere.
/// </summary>
internal sealed class SocketFileDirectory : IDisposable
{
    private SocketFileDirectory(FileDescriptor directory, string path)
    {
        Directory = directory;
        Path = path;
        Name = System.IO.Path.GetFileName(path);
    }

    /// <summary>The socket's whole path as the user gave it: for messages only, never resolved again.</summary>
    public string Path { get; }

    /// <summary>The socket's name in <see cref="Directory"/>.</summary>
    public string Name { get; }

    /// <summary>Owned by this object for the life of the process (the registry of files removed at exit keeps it).</summary>
    public FileDescriptor Directory { get; }

    /// <summary>
    /// Splits an absolute socket path into its directory and its name; null when the path does not
    /// end with a name (a trailing slash, "." or "..").
    /// </summary>
    public static (string Directory, string Name)? Split(string path)
    {
        string name = System.IO.Path.GetFileName(path);
        string? directory = System.IO.Path.GetDirectoryName(path);
        return name.Length == 0 || name is "." or ".." || string.IsNullOrEmpty(directory) ? null : (directory, name);
    }

    /// <summary>Opens the directory of <paramref name="path"/>: the one time the bridge resolves the path.</summary>
    public static SocketFileDirectory Open(string path)
    {
        if (Split(path) is not var (directory, _))
        {
            throw new BridgeException($"cannot listen on unix:{path}: the path must end with the socket's file name");
        }

        int fd = Libc.Open(directory, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            var error = SyscallException.FromLastError("open", directory);
            throw new BridgeException($"cannot listen on unix:{path}: its directory {directory}: {error.Reason}", error);
        }

        return new SocketFileDirectory(new FileDescriptor(fd), path);
    }

    /// <summary>Takes over the descriptor the set-up image passed on (the serving listener's image); this object owns it from now on.</summary>
    public static SocketFileDirectory Adopt(int directoryFd, string path) => new(new FileDescriptor(directoryFd), path);

    /// <summary>What is at the name now (a symlink itself, not followed); null when nothing is.</summary>
    public FileStatus? Find()
    {
        if (Libc.StatAt(Directory.Number, Name) is { } status)
        {
            return status;
        }

        var error = SyscallException.FromLastError("fstatat", Path);
        return error.Errno == Errno.ENOENT
            ? null
            : throw new BridgeException($"cannot listen on unix:{Path}: {error.Reason}", error);
    }

    /// <summary>
    /// Gives the file <paramref name="owner"/> if it is still <paramref name="created"/>: the name is
    /// opened without following a symlink, the file checked, and changed through that descriptor,
    /// so no other file can take its place between the check and the change (not even a hard link
    /// to a file elsewhere).
    /// </summary>
    public void SetOwner(FileStatus created, FileOwner owner)
    {
        int fd = Libc.OpenAt(Directory.Number, Name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            var error = SyscallException.FromLastError("openat", Path);
            throw new BridgeException($"cannot give unix:{Path} to {owner.Name}: {error.Reason}", error);
        }

        // Closed here: only the change below needs it.
        using var file = new FileDescriptor(fd);
        if (Libc.StatOf(fd) is not { } found || !found.IsSameSocketFile(created))
        {
            throw Replaced($"cannot give unix:{Path} to {owner.Name}");
        }

        if (Libc.FChownAt(fd, string.Empty, owner.UserId ?? uint.MaxValue, owner.GroupId ?? uint.MaxValue, Libc.AT_EMPTY_PATH) != 0)
        {
            var error = SyscallException.FromLastError("fchownat", Path);
            throw new BridgeException($"cannot give unix:{Path} to {owner.Name}: {error.Reason}", error);
        }
    }

    /// <summary>
    /// Removes the name if it is still the socket file <paramref name="expected"/>; anything else
    /// found there (another file, a symlink, a socket someone else made) stays. False, with the
    /// reason, when something is there that could not be removed or is not ours.
    /// </summary>
    /// <remarks>
    /// Between the look and the unlinkat, only someone who may write the directory can swap the
    /// entry, and then unlinkat removes that entry itself (never what a symlink points to): at
    /// worst a file they could have removed themselves, since in a sticky directory (/tmp) they
    /// can only put their own files in its place.
    /// </remarks>
    public bool RemoveIfStill(FileStatus expected, out string? problem)
    {
        problem = null;
        var found = Libc.StatAt(Directory.Number, Name);
        if (found is null)
        {
            var error = SyscallException.FromLastError("fstatat", Path);
            if (error.Errno == Errno.ENOENT)
            {
                return true;
            }

            problem = Hint(error);
            return false;
        }

        if (!found.Value.IsSameSocketFile(expected))
        {
            problem = "another file has taken its place and is left as it is";
            return false;
        }

        if (Libc.UnlinkAt(Directory.Number, Name, 0) != 0)
        {
            var error = SyscallException.FromLastError("unlinkat", Path);
            problem = Hint(error);
            return error.Errno == Errno.ENOENT;
        }

        return true;
    }

    public void Dispose() => Directory.Dispose();

    internal static BridgeException Replaced(string what) =>
        new($"{what}: another file took the socket file's place as soon as it was made; check who else may write to its directory");

    private static string Hint(SyscallException error) =>
        (error.Errno is Errno.EACCES or Errno.EPERM
            ? $"{error.Reason} (with {SettingNames.Of(Setting.User)}, that user needs write access to the directory)"
            : error.Reason) + "; the next start replaces it";
}
