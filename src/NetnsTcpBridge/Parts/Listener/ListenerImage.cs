using System.Collections;
using System.Text;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Namespaces;
using NetnsTcpBridge.Privileges;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// Moves the listener wholly into the listen namespace once it is set up: a thread enters the
/// namespace and calls execve on this same executable. The new image is born there with a single
/// thread, so every thread it ever has is in the listen namespace; the PID stays the one the user
/// (or the service manager) started, and so do the connectors' parent, the command line and the
/// descriptors named in the <see cref="ListenerHandoff"/>.
/// </summary>
/// <remarks>
/// The set-up image never unblocks the handled signals (see SignalInbox): one that comes during
/// set-up stays pending in the kernel across execve, and the serving image takes it as soon as
/// its handlers are in place. The exec'ing thread drops the privileges (--user) after entering
/// the namespace, since entering needs them (or, without --user, every capability: see
/// <see cref="CapabilityDrop"/>); the new image then holds none from its first instruction. The fresh image also keeps nothing of the set-up's heap.
/// </remarks>
internal static class ListenerImage
{
    /// <summary>
    /// Replaces the process image; returns only by throwing, when something before the execve or
    /// the execve itself failed (then, with <paramref name="runAs"/>, privileges may be half gone
    /// and the thread may be left in the namespace: the caller must end the process).
    /// </summary>
    public static void ReplaceWith(ListenerHandoff handoff, NetworkNamespace? listenNamespace, RunAsUser? runAs) =>
        NamespaceThread.RunOnEndingThread(listenNamespace, "listen", () => ExecInside(handoff, runAs));

    private static unsafe bool ExecInside(ListenerHandoff handoff, RunAsUser? runAs)
    {
        // Entering needed the privileges; from here on the listener needs none, with or without --user.
        if (runAs is { } user)
        {
            PrivilegeDrop.To(user, "listener part");
        }
        else
        {
            CapabilityDrop.OnThisThread("listener part");
        }

        // Kept across execve: pending signals and this thread's mask.
        var handled = SignalInbox.HandledSet();
        int rc = Libc.PthreadSigMask(Libc.SIG_BLOCK, &handled, null);
        if (rc != 0)
        {
            throw new SyscallException("pthread_sigmask", "SIG_BLOCK", rc);
        }

        // Only the named descriptors go on: one the bridge inherited without naming it (a
        // parent's leak, or -L/-S/-C and socket activation, now held by the connectors) ends here.
        MarkEveryDescriptorCloseOnExec();
        int handoffPipe = WriteHandoff(handoff.Format());
        foreach (int fd in handoff.Descriptors.Append(handoffPipe))
        {
            // Ownership moves to the new image, which finds each by number in the hand-off.
            if (Libc.Fcntl(fd, Libc.F_SETFD, 0) != 0)
            {
                throw SyscallException.FromLastError("fcntl(F_SETFD, 0)", $"fd {fd}");
            }
        }

        using var argv = new NativeStringArray(CommandLine());
        using var envp = new NativeStringArray(Environment(handoffPipe));
        _ = Libc.Execve("/proc/self/exe", argv.Pointer, envp.Pointer);
        var failed = SyscallException.FromLastError("execve", "/proc/self/exe");
        throw new BridgeException($"cannot restart the listener part inside its netns: {failed.Reason}", failed);
    }

    private static void MarkEveryDescriptorCloseOnExec()
    {
        if (Libc.CloseRange(3, uint.MaxValue, Libc.CLOSE_RANGE_CLOEXEC) == 0)
        {
            return;
        }

        // Before Linux 5.11: one by one.
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int fd) && fd > 2)
            {
                _ = Libc.Fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC);
            }
        }
    }

    // A pipe holding the whole text, its write end closed: the new image reads to end-of-file.
    // The text is far below a pipe's capacity, so the write never waits for a reader.
    private static unsafe int WriteHandoff(string text)
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0)
        {
            throw SyscallException.FromLastError("pipe2", "listener hand-off");
        }

        byte[] bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* data = bytes)
        {
            nint written = Libc.Write(fds[1], data, (nuint)bytes.Length);
            _ = Libc.Close(fds[1]);
            if (written != bytes.Length)
            {
                _ = Libc.Close(fds[0]);
                throw SyscallException.FromLastError("write", "listener hand-off");
            }
        }

        return fds[0];
    }

    // The command line exactly as the user gave it (ps and pgrep -f still find it), byte for byte.
    private static List<byte[]> CommandLine()
    {
        byte[] raw = File.ReadAllBytes("/proc/self/cmdline");
        var arguments = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == 0)
            {
                arguments.Add(raw[start..i]);
                start = i + 1;
            }
        }

        return arguments;
    }

    private static List<string> Environment(int handoffPipe)
    {
        var lines = new List<string>();
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            if ((string)entry.Key != ListenerHandoff.Variable)
            {
                lines.Add($"{entry.Key}={entry.Value}");
            }
        }

        lines.Add($"{ListenerHandoff.Variable}={handoffPipe}");
        return lines;
    }
}
