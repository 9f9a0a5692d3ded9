using System.Net;
using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Endpoints;

/// <summary>
/// The directory of every <c>unix:/path</c> target, opened once when the connector starts; each
/// connect then goes through it (<c>/proc/self/fd/N/NAME</c>), never again through the path.
/// </summary>
/// <remarks>
/// Renaming a directory of the path, or putting a symlink in its place, after start cannot send
/// clients to another socket: the name is looked up in the directory that was there at start. The
/// target's service may still recreate its socket in that directory, as services do on restart.
/// A path whose form through the descriptor would not fit in a sockaddr_un, or whose directory
/// cannot be opened at start, is connected to by path, as before (said once at -v, or warned).
/// Filled before the event loops start and only read afterwards, so the loops share it unlocked.
/// </remarks>
public static class UnixTargetDirectories
{
    private const int MaxPathBytes = Libc.UNIX_PATH_MAX - 1;

    private static readonly Dictionary<string, UnixDomainSocketEndPoint> s_throughDirectory = new(StringComparer.Ordinal);

    // Kept open for the life of the process: the connects name them.
    private static readonly List<FileDescriptor> s_directories = [];

    /// <summary>Opens the directory of each socket-file target among <paramref name="targets"/>.</summary>
    public static void Open(IEnumerable<EndPoint> targets)
    {
        foreach (var target in targets)
        {
            if (target is not UnixDomainSocketEndPoint unix || UnixAddress.FilePath(unix) is not { } path || s_throughDirectory.ContainsKey(path))
            {
                continue;
            }

            string directory = Path.GetDirectoryName(path) ?? "/";
            string name = Path.GetFileName(path);
            int fd = Libc.Open(directory, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
            if (fd < 0)
            {
                var error = SyscallException.FromLastError("open", directory);
                Log.Warning($"cannot open the directory of the target unix:{path} ({error.Reason}): connecting by its path, looked up anew for each client");
                continue;
            }

            var descriptor = new FileDescriptor(fd);
            string throughDirectory = $"/proc/self/fd/{fd}/{name}";
            if (Encoding.UTF8.GetByteCount(throughDirectory) > MaxPathBytes)
            {
                descriptor.Dispose();
                Log.Debug($"unix:{path}: its name is too long to be reached through its directory's descriptor; connecting by path");
                continue;
            }

            s_directories.Add(descriptor);
            s_throughDirectory[path] = new UnixDomainSocketEndPoint(throughDirectory);
        }
    }

    /// <summary>The address to connect to for <paramref name="target"/>: through its directory when that was opened.</summary>
    public static EndPoint ConnectAddress(EndPoint target) =>
        target is UnixDomainSocketEndPoint unix && UnixAddress.FilePath(unix) is { } path && s_throughDirectory.TryGetValue(path, out var through)
            ? through
            : target;
}
