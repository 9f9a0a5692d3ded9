namespace NetnsTcpBridge.Interop;

/// <summary>
/// poll(2) until a deadline on <see cref="Environment.TickCount64"/>'s clock. A signal (EINTR)
/// waits again for the time left, so no caller restarts its whole timeout or handles EINTR itself.
/// </summary>
internal static class PollDeadline
{
    /// <summary>A deadline that never comes: wait until a descriptor is ready.</summary>
    public const long Never = long.MaxValue;

    /// <summary>
    /// How many of <paramref name="fds"/> are ready (their Revents set); 0 when the deadline came
    /// first. Polls at least once, so a deadline already past still reports what is ready now.
    /// Any error but EINTR throws, naming poll and <paramref name="subject"/>.
    /// </summary>
    public static unsafe int Wait(Span<Libc.PollFd> fds, long deadline, string subject)
    {
        fixed (Libc.PollFd* pointer = fds)
        {
            while (true)
            {
                int ready = Libc.Poll(pointer, (ulong)fds.Length, TimeoutFor(deadline, Environment.TickCount64));
                if (ready >= 0)
                {
                    return ready;
                }

                var error = SyscallException.FromLastError("poll", subject);
                if (error.Errno != Errno.EINTR)
                {
                    throw error;
                }
            }
        }
    }

    /// <summary>Whether <paramref name="fd"/> became readable (or hung up) before <paramref name="deadline"/>.</summary>
    public static bool Readable(int fd, long deadline, string subject)
    {
        Span<Libc.PollFd> entry = stackalloc Libc.PollFd[1];
        entry[0] = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
        return Wait(entry, deadline, subject) > 0;
    }

    /// <summary>poll's timeout for <paramref name="deadline"/> seen at <paramref name="now"/>: -1 for <see cref="Never"/>, 0 once past, at most int.MaxValue.</summary>
    internal static int TimeoutFor(long deadline, long now) =>
        deadline == Never ? -1 : (int)Math.Clamp(deadline - now, 0, int.MaxValue);
}
