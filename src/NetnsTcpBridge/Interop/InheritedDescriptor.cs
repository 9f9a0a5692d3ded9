
namespace NetnsTcpBridge.Interop;

/// <summary>Checks on descriptors handed to us by whoever started the process.</summary>
internal static class InheritedDescriptor
{
    /// <summary>
    /// Fails with a clear message when <paramref name="fd"/> is not open; otherwise marks it
    /// close-on-exec so it does not leak into the process we spawn.
    /// </summary>
    internal static void EnsureOpenAndCloseOnExec(int fd, string what)
    {
        int flags = Libc.Fcntl(fd, Libc.F_GETFD, 0);
        if (flags < 0)
        {
            var error = SyscallException.FromLastError("fcntl(F_GETFD)", $"fd {fd}");
            throw new BridgeException($"{what} {fd} is not an open file descriptor ({error.Reason}); pass a descriptor this process inherits", error);
        }

        if ((flags & Libc.FD_CLOEXEC) == 0 && Libc.Fcntl(fd, Libc.F_SETFD, flags | Libc.FD_CLOEXEC) < 0)
        {
            throw SyscallException.FromLastError("fcntl(F_SETFD, FD_CLOEXEC)", $"fd {fd}");
        }
    }
}
