using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Namespaces;

/// <summary>
/// An open handle on a network namespace (an nsfs file such as <c>/proc/PID/ns/net</c> or
/// <c>/run/netns/NAME</c>), checked to really be a network namespace.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private readonly FileDescriptor _descriptor;

    private NetworkNamespace(FileDescriptor descriptor, string description)
    {
        _descriptor = descriptor;
        Description = description;
    }

    /// <summary>How the user named it, for messages: a path or "fd N".</summary>
    public string Description { get; }

    internal FileDescriptor Descriptor => _descriptor;

    /// <summary>Opens and checks the nsfs file at <paramref name="path"/>.</summary>
    public static NetworkNamespace Open(string path, string role)
    {
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            var error = SyscallException.FromLastError("open", path);
            string hint = error.Errno switch
            {
                Errno.ENOENT => "; for a process give /proc/PID/ns/net, for `ip netns add NAME` give /run/netns/NAME",
                Errno.EACCES or Errno.EPERM => "; another user's /proc/PID/ns/net needs root (CAP_SYS_PTRACE)",
                _ => string.Empty,
            };
            throw new BridgeException($"cannot open {role} netns file {path}: {error.Reason}{hint}", error);
        }

        var descriptor = new FileDescriptor(fd);
        try
        {
            EnsureNetworkNamespace(descriptor.Number, path, role);
        }
        catch
        {
            descriptor.Dispose();
            throw;
        }

        return new NetworkNamespace(descriptor, path);
    }

    /// <summary>Takes over an inherited descriptor: checks it, and marks it close-on-exec.</summary>
    public static NetworkNamespace FromInheritedDescriptor(int fd, string role)
    {
        string description = $"fd {fd}";
        InheritedDescriptor.EnsureOpenAndCloseOnExec(fd, $"{role} netns fd");
        EnsureNetworkNamespace(fd, description, role);
        return new NetworkNamespace(new FileDescriptor(fd), description);
    }

    /// <summary>Opens the namespace the calling thread is in now.</summary>
    internal static NetworkNamespace OfCurrentThread()
    {
        const string path = "/proc/thread-self/ns/net";
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw SyscallException.FromLastError("open", path);
        }

        return new NetworkNamespace(new FileDescriptor(fd), path);
    }

    public void Dispose() => _descriptor.Dispose();

    private static void EnsureNetworkNamespace(int fd, string description, string role)
    {
        int type = Libc.Ioctl(fd, Libc.NS_GET_NSTYPE);
        if (type < 0)
        {
            var error = SyscallException.FromLastError("ioctl(NS_GET_NSTYPE)", description);
            string why = error.Errno == Errno.ENOTTY ? "it is not a namespace file" : error.Reason;
            throw new BridgeException(
                $"{role} netns {description} is not usable: {why}; give a network namespace such as /proc/PID/ns/net or /run/netns/NAME",
                error);
        }

        if (type != Libc.CLONE_NEWNET)
        {
            throw new BridgeException(
                $"{role} netns {description} is a namespace of another kind, not a network namespace; give /proc/PID/ns/net or /run/netns/NAME");
        }
    }
}
