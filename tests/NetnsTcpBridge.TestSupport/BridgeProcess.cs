using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace NetnsTcpBridge.TestSupport;

/// <summary>A descriptor of the test process to place at <see cref="Target"/> in the bridge.</summary>
public readonly record struct InheritedFd(int Source, int Target);

/// <summary>How the bridge process ended: an exit code, or the signal that killed it.</summary>
public readonly record struct ExitStatus(int Code, int Signal)
{
    public bool Exited => Signal == 0;

    public static ExitStatus FromWaitStatus(int status) =>
        (status & 0x7f) == 0 ? new ExitStatus((status >> 8) & 0xff, 0) : new ExitStatus(-1, status & 0x7f);

    public override string ToString() => Exited ? $"exit status {Code}" : $"killed by signal {Signal}";
}

/// <summary>
/// The bridge executable under test, started with posix_spawn so that it can inherit descriptors
/// at fixed numbers (System.Diagnostics.Process cannot pass extra descriptors). Its stdout and
/// stderr go to files read back for assertions. Dispose kills both parts by PID and reaps them.
/// </summary>
public sealed class BridgeProcess : IDisposable
{
    private const int HighDescriptorBase = 100;

    private readonly object _gate = new();
    private readonly string _directory;
    private readonly List<int> _knownConnectors = [];
    private ExitStatus? _exit;
    private bool _disposed;

    static BridgeProcess()
    {
        IsSubreaper = BecomeSubreaper();
    }

    private BridgeProcess(int pid, IReadOnlyList<string> commandLine, string directory)
    {
        Pid = pid;
        CommandLine = string.Join(' ', commandLine);
        _directory = directory;
    }

    /// <summary>
    /// True when this test process is a child subreaper (prctl): a connector orphaned by a test
    /// that kills the listener is then re-parented to us, and reaped, instead of to init.
    /// </summary>
    public static bool IsSubreaper { get; }

    /// <summary>PID of the listener part (the process started; a launcher such as prlimit or <c>ip netns exec</c> execs, it does not fork).</summary>
    public int Pid { get; }

    public string CommandLine { get; }

    public string Stdout => ReadOutput("stdout");

    public string Stderr => ReadOutput("stderr");

    /// <summary>True once the listener part has ended (it is reaped then).</summary>
    public bool HasExited
    {
        get
        {
            lock (_gate)
            {
                return TryReap();
            }
        }
    }

    /// <summary>
    /// Starts <c>LAUNCHER... netns_tcp_bridge ARGUMENTS</c>. A launcher must exec the bridge in
    /// the same process (<c>prlimit --nofile=N:N --</c> and <c>ip netns exec NAME</c> do), so that
    /// <see cref="Pid"/> is the bridge's. <paramref name="runInside"/> is the launcher
    /// <c>ip netns exec NAME</c>. With <paramref name="spawnIn"/> posix_spawn is called from a
    /// thread inside that namespace, so the bridge is born there (its plain-forwarder mode listens
    /// there, not here).
    /// </summary>
    /// <para>
    /// With <paramref name="asServiceManager"/> it starts as a careful service manager would start
    /// it: in a process group of its own (see <see cref="SignalGroup"/>), with SIGTERM, SIGINT,
    /// SIGHUP and SIGUSR1 blocked until its own code unblocks them, so that not even the kernel's
    /// exec and the dynamic loader leave a moment in which they would kill it.
    /// </para>
    public static BridgeProcess Start(IReadOnlyList<string> arguments, IReadOnlyList<InheritedFd>? inherited = null, TestNamespace? runInside = null, IReadOnlyList<string>? launcher = null, TestNamespace? spawnIn = null, bool asServiceManager = false)
    {
        string binary = BridgeBinary.Path;
        string[] argv = runInside is null
            ? [.. launcher ?? [], binary, .. arguments]
            : ["ip", "netns", "exec", runInside.Name, .. launcher ?? [], binary, .. arguments];
        string directory = Directory.CreateTempSubdirectory("ntb-bridge-").FullName;
        try
        {
            int pid = spawnIn is null
                ? Spawn(argv, directory, inherited ?? [], asServiceManager)
                : spawnIn.Enter(() => Spawn(argv, directory, inherited ?? [], asServiceManager));
            return new BridgeProcess(pid, argv, directory);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the listener part.</summary>
    public void Signal(int signal)
    {
        lock (_gate)
        {
            if (!TryReap() && Native.Kill(Pid, signal) != 0)
            {
                throw new InvalidOperationException($"kill({Pid}, {signal}): {Native.LastError()}");
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> to every process of the bridge's process group (started with asServiceManager).</summary>
    public void SignalGroup(int signal)
    {
        lock (_gate)
        {
            if (!TryReap() && Native.Kill(-Pid, signal) != 0)
            {
                throw new InvalidOperationException($"kill(-{Pid}, {signal}): {Native.LastError()}");
            }
        }
    }

    /// <summary>Waits for the listener part to end and returns how; fails (does not hang) after <paramref name="timeout"/>.</summary>
    public async Task<ExitStatus> WaitForExitAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_gate)
            {
                if (TryReap())
                {
                    return _exit!.Value;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the bridge did not exit within {timeout.TotalSeconds} s: {Describe()}");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>PID of the connector part, the listener's child; polls until it has been started.</summary>
    public async Task<int> WaitForConnectorAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var children = ProcFs.Children(Pid);
            if (children.Count == 1)
            {
                lock (_gate)
                {
                    if (!_knownConnectors.Contains(children[0]))
                    {
                        _knownConnectors.Add(children[0]);
                    }
                }

                return children[0];
            }

            if (children.Count > 1)
            {
                throw new InvalidOperationException($"the bridge has {children.Count} children ({string.Join(", ", children)}), expected one connector: {Describe()}");
            }

            if (HasExited)
            {
                throw new InvalidOperationException($"the bridge exited before its connector part could be seen: {Describe()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no connector part appeared under the bridge after 10 s: {Describe()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Command line, state and output, for assertion messages.</summary>
    public string Describe()
    {
        string state;
        lock (_gate)
        {
            state = _exit is { } exit ? exit.ToString() : "still running";
        }

        return $"'{CommandLine}' (pid {Pid}, {state}); stderr: \"{Stderr.TrimEnd()}\"; stdout: \"{Stdout.TrimEnd()}\"";
    }

    /// <summary>
    /// Reaps an orphaned connector that was handed to this process (a child subreaper) once it has
    /// ended; returns how it ended, or null when it is not ours to reap or still runs.
    /// </summary>
    public static unsafe ExitStatus? TryReapOrphan(int pid)
    {
        int status;
        return Native.WaitPid(pid, &status, Native.WNOHANG) == pid ? ExitStatus.FromWaitStatus(status) : null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        string[] refusals = [];
        try
        {
            StopEverything();

            // Every test doubles as a check of the system call filter's list: a call the parts
            // make but the list lacks is refused with this warning, and fails the test.
            refusals = [.. Stderr.Split('\n').Where(line => line.Contains(SyscallRefusalMarker, StringComparison.Ordinal))];
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind is not worth failing a test for.
            }
        }

        if (refusals.Length > 0)
        {
            throw new InvalidOperationException($"the bridge ({CommandLine}) was refused system calls: {string.Join("; ", refusals)}");
        }
    }

    /// <summary>What the executable writes when the system call filter refuses a call.</summary>
    public const string SyscallRefusalMarker = "refused by the system call filter";

    private void StopEverything()
    {
        var connectors = new List<int>();
        lock (_gate)
        {
            if (!TryReap())
            {
                foreach (int child in ProcFs.Children(Pid))
                {
                    if (!_knownConnectors.Contains(child))
                    {
                        _knownConnectors.Add(child);
                    }
                }
            }

            connectors.AddRange(_knownConnectors);
        }

        // Connector first: the listener then reaps it and exits on its own, leaving no orphan.
        foreach (int connector in connectors)
        {
            if (!ProcFs.HasEnded(connector))
            {
                _ = Native.Kill(connector, Native.SIGKILL);
            }
        }

        if (!WaitForReap(TimeSpan.FromSeconds(3)))
        {
            lock (_gate)
            {
                if (!TryReap())
                {
                    _ = Native.Kill(Pid, Native.SIGKILL);
                }
            }

            if (!WaitForReap(TimeSpan.FromSeconds(10)))
            {
                throw new InvalidOperationException($"the bridge (pid {Pid}) survived SIGKILL for 10 s");
            }
        }

        // Connectors orphaned earlier (the test killed the listener) were handed to us as subreaper.
        foreach (int connector in connectors)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (!ProcFs.HasEnded(connector) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }

            _ = TryReapOrphan(connector);
        }
    }

    private bool WaitForReap(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_gate)
            {
                if (TryReap())
                {
                    return true;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(10);
        }
    }

    // Caller holds _gate.
    private unsafe bool TryReap()
    {
        if (_exit is not null)
        {
            return true;
        }

        while (true)
        {
            int status;
            int rc = Native.WaitPid(Pid, &status, Native.WNOHANG);
            if (rc == Pid)
            {
                _exit = ExitStatus.FromWaitStatus(status);
                return true;
            }

            if (rc == 0)
            {
                return false;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EINTR)
            {
                throw new InvalidOperationException(
                    $"waitpid({Pid}): {Native.Describe(errno)}; the bridge was reaped by someone else, its exit status is lost");
            }
        }
    }

    private string ReadOutput(string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine(_directory, name));
        }
        catch (IOException e)
        {
            return $"(cannot read {name}: {e.Message})";
        }
    }

    private static bool BecomeSubreaper() =>
        Native.Prctl(Native.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;

    private static unsafe int Spawn(string[] argv, string directory, IReadOnlyList<InheritedFd> inherited, bool asServiceManager)
    {
        var opened = new List<int>();
        var allocations = new List<IntPtr>();
        void* actions = null;
        void* attributes = null;
        try
        {
            int OpenFile(string path, int flags)
            {
                int fd = Native.Open(path, flags | Native.O_CLOEXEC, Convert.ToInt32("600", 8));
                if (fd < 0)
                {
                    throw new InvalidOperationException($"open {path}: {Native.LastError()}");
                }

                opened.Add(fd);
                return fd;
            }

            var mappings = new List<InheritedFd>
            {
                new(OpenFile("/dev/null", Native.O_RDONLY), 0),
                new(OpenFile(Path.Combine(directory, "stdout"), Native.O_WRONLY | Native.O_CREAT | Native.O_TRUNC), 1),
                new(OpenFile(Path.Combine(directory, "stderr"), Native.O_WRONLY | Native.O_CREAT | Native.O_TRUNC), 2),
            };
            mappings.AddRange(inherited);
            if (mappings.Select(m => m.Target).Distinct().Count() != mappings.Count)
            {
                throw new ArgumentException("two descriptors for the same target number", nameof(inherited));
            }

            actions = NativeMemory.AllocZeroed(Native.FileActionsSize);
            Check(Native.PosixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
            foreach (var mapping in mappings)
            {
                // Copy every source above all targets first: a source that sits at another
                // mapping's target number would otherwise be overwritten, and dup2(fd, fd) would
                // keep close-on-exec set. The copies are close-on-exec; dup2 clears it on the target.
                int copy = Native.Fcntl(mapping.Source, Native.F_DUPFD_CLOEXEC, HighDescriptorBase);
                if (copy < 0)
                {
                    throw new InvalidOperationException($"fcntl(F_DUPFD_CLOEXEC) of fd {mapping.Source}: {Native.LastError()}");
                }

                opened.Add(copy);
                Check(Native.PosixSpawnFileActionsAddDup2(actions, copy, mapping.Target), "posix_spawn_file_actions_adddup2");
            }

            try
            {
                // Belt and braces: nothing but the mapped descriptors reaches the bridge.
                Check(Native.PosixSpawnFileActionsAddCloseFrom(actions, mappings.Max(m => m.Target) + 1), "posix_spawn_file_actions_addclosefrom_np");
            }
            catch (EntryPointNotFoundException)
            {
                // glibc before 2.34; everything of ours is close-on-exec anyway.
            }

            // The test host ignores SIGPIPE and may have handlers: give the child default signal
            // dispositions and an empty signal mask, as a shell would (or the documented signals
            // blocked, as a careful service manager would).
            attributes = NativeMemory.AllocZeroed(Native.SpawnAttrSize);
            Check(Native.PosixSpawnAttrInit(attributes), "posix_spawnattr_init");
            void* signals = NativeMemory.AllocZeroed(Native.SigSetSize);
            allocations.Add((IntPtr)signals);
            Native.SigEmptySet(signals);
            if (asServiceManager)
            {
                foreach (int signal in (int[])[Native.SIGTERM, Native.SIGINT, Native.SIGHUP, Native.SIGUSR1])
                {
                    _ = Native.SigAddSet(signals, signal);
                }
            }

            Check(Native.PosixSpawnAttrSetSigMask(attributes, signals), "posix_spawnattr_setsigmask");
            void* defaults = NativeMemory.AllocZeroed(Native.SigSetSize);
            allocations.Add((IntPtr)defaults);
            Native.SigFillSet(defaults);
            Check(Native.PosixSpawnAttrSetSigDefault(attributes, defaults), "posix_spawnattr_setsigdefault");
            short flags = Native.POSIX_SPAWN_SETSIGMASK | Native.POSIX_SPAWN_SETSIGDEF;
            if (asServiceManager)
            {
                flags |= Native.POSIX_SPAWN_SETPGROUP; // process group 0: a new one, led by the child
            }

            Check(Native.PosixSpawnAttrSetFlags(attributes, flags), "posix_spawnattr_setflags");

            var environment = new List<string>();
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                environment.Add($"{entry.Key}={entry.Value}");
            }

            byte** nativeArgv = NativeStrings(argv, allocations);
            byte** nativeEnvp = NativeStrings(environment, allocations);
            int pid;
            int rc = Native.PosixSpawnP(&pid, argv[0], actions, attributes, nativeArgv, nativeEnvp);
            if (rc != 0)
            {
                throw new InvalidOperationException($"posix_spawnp {argv[0]}: {Native.Describe(rc)}");
            }

            return pid;
        }
        finally
        {
            if (actions is not null)
            {
                _ = Native.PosixSpawnFileActionsDestroy(actions);
                NativeMemory.Free(actions);
            }

            if (attributes is not null)
            {
                _ = Native.PosixSpawnAttrDestroy(attributes);
                NativeMemory.Free(attributes);
            }

            foreach (IntPtr allocation in allocations)
            {
                NativeMemory.Free((void*)allocation);
            }

            foreach (int fd in opened)
            {
                _ = Native.Close(fd);
            }
        }
    }

    private static void Check(int rc, string call)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"{call}: {Native.Describe(rc)}");
        }
    }

    private static unsafe byte** NativeStrings(IReadOnlyList<string> values, List<IntPtr> allocations)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(IntPtr));
        allocations.Add((IntPtr)array);
        for (int i = 0; i < values.Count; i++)
        {
            byte[] bytes = EncodeArgument(values[i]);
            var copy = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
            allocations.Add((IntPtr)copy);
            bytes.CopyTo(new Span<byte>(copy, bytes.Length));
            array[i] = copy;
        }

        return array;
    }

    /// <summary>
    /// UTF-8 with a terminating NUL, except that U+DC80..U+DCFF (lone low surrogates, the
    /// "surrogateescape" convention) stand for the raw bytes 0x80..0xFF: a test can pass argv
    /// strings that are not valid UTF-8.
    /// </summary>
    public static byte[] EncodeArgument(string value)
    {
        var bytes = new List<byte>(value.Length + 1);
        var run = new StringBuilder();
        void Flush()
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(run.ToString()));
            run.Clear();
        }

        foreach (char c in value)
        {
            if (c is >= '\uDC80' and <= '\uDCFF')
            {
                Flush();
                bytes.Add((byte)(c - 0xDC00));
            }
            else
            {
                run.Append(c);
            }
        }

        Flush();
        bytes.Add(0);
        return [.. bytes];
    }
}
