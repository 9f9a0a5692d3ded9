using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

/// <summary>
/// accept4 on a listening socket, with the errnos sorted once for every accept loop: those that
/// mean "try later" come back as an <see cref="AcceptOutcome"/>, without an exception, since
/// EAGAIN ends nearly every wake-up; any other errno is thrown, naming accept4.
/// </summary>
internal static class SocketAccept
{
    /// <summary>Takes one client, non-blocking and close-on-exec; <paramref name="subject"/> names the listening socket in errors.</summary>
    public static unsafe AcceptResult Take(int listening, string subject)
    {
        int fd = Libc.Accept4(listening, null, null, Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK);
        if (fd >= 0)
        {
            return new AcceptResult(AcceptOutcome.Socket, fd, 0);
        }

        int errno = Marshal.GetLastPInvokeError();
        return Classify((Errno)errno) is { } outcome
            ? new AcceptResult(outcome, -1, errno)
            : throw new SyscallException("accept4", subject, errno);
    }

    /// <summary>The outcome an accept4 errno stands for; null for a real error (EINVAL once the socket is shut down, EBADF...).</summary>
    internal static AcceptOutcome? Classify(Errno errno) => errno switch
    {
        Errno.EAGAIN or Errno.EINTR => AcceptOutcome.NoneWaiting,
        Errno.ECONNABORTED or Errno.EPROTO or Errno.EPERM => AcceptOutcome.ClientGone,
        Errno.EMFILE or Errno.ENFILE or Errno.ENOBUFS or Errno.ENOMEM => AcceptOutcome.DescriptorLimit,
        _ => null,
    };
}
