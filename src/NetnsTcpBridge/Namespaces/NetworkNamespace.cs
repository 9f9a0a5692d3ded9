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
    public static NetworkNamespace Open(string path, string role) =>
        OpenChecked(path, role, path, missing: error =>
            $"cannot open {role} netns file {path}: {error.Reason}; for a process give /proc/PID/ns/net, for `ip netns add NAME` give /run/netns/NAME");

    /// <summary>Opens the namespace that <c>ip netns add NAME</c> made: <c>/run/netns/NAME</c>.</summary>
    public static NetworkNamespace OpenNamed(string name, string role)
    {
        string path = $"{NamedNamespaceDirectory}/{name}";
        return OpenChecked(path, role, $"'{name}' ({path})", missing: _ =>
            $"no network namespace named '{name}' for {role}: {path} does not exist; `ip netns list` shows the names");
    }

    /// <summary>Opens the network namespace of process <paramref name="pid"/>: <c>/proc/PID/ns/net</c>.</summary>
    public static NetworkNamespace OpenOfProcess(int pid, string role)
    {
        string path = $"/proc/{pid}/ns/net";
        return OpenChecked(path, role, $"of pid {pid} ({path})", missing: _ =>
            $"no process with pid {pid} for the {role} netns: {path} does not exist");
    }

    /// <summary>Where <c>ip netns</c> keeps its named namespaces.</summary>
    public const string NamedNamespaceDirectory = "/run/netns";

    private static NetworkNamespace OpenChecked(string path, string role, string description, Func<SyscallException, string> missing)
    {
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            var error = SyscallException.FromLastError("open", path);
            string message = error.Errno switch
            {
                Errno.ENOENT => missing(error),
                Errno.EACCES or Errno.EPERM => $"cannot open {role} netns {description}: {error.Reason}; another user's /proc/PID/ns/net needs root (CAP_SYS_PTRACE)",
                _ => $"cannot open {role} netns {description}: {error.Reason}",
            };
            throw new BridgeException(message, error);
        }

        var descriptor = new FileDescriptor(fd);
        try
        {
            EnsureNetworkNamespace(descriptor.Number, description, role);
        }
        catch
        {
            descriptor.Dispose();
            throw;
        }

        return new NetworkNamespace(descriptor, description);
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

    /// <summary>
    /// What tells namespaces apart however they were named (by name, PID, path or fd): the nsfs
    /// link text, e.g. "net:[4026532281]"; for null, the namespace the caller is in.
    /// </summary>
    public static string IdentityOf(NetworkNamespace? ns) =>
        new FileInfo(ns is null ? "/proc/thread-self/ns/net" : $"/proc/self/fd/{ns._descriptor.Number}").LinkTarget
        ?? throw new BridgeException($"cannot tell which network namespace {ns?.Description ?? "this is"}: its /proc link is unreadable");

    /// <summary>
    /// Fails, in one line naming both, unless this is the namespace with inode
    /// <paramref name="expected"/> (<c>NETNS=net:[INODE]</c>): fstat of the open descriptor, so the
    /// namespace checked is the one used.
    /// </summary>
    public void EnsureInode(ulong expected, string role)
    {
        var identity = Libc.FileIdentity(_descriptor.Number)
            ?? throw SyscallException.FromLastError("fstat", $"{role} netns {Description}");
        if (identity.Inode != expected)
        {
            throw new BridgeException($"the {role} netns {Description} is net:[{identity.Inode}], not net:[{expected}] as given: the name now leads to another namespace (made anew, or its process replaced); check which is meant");
        }
    }

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
