using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;

namespace NetnsTcpBridge.TestSupport;

/// <summary>
/// A fresh network namespace for one test, <c>ntb-&lt;pid&gt;-&lt;counter&gt;</c>, with only <c>lo</c>, up.
/// The test keeps a descriptor of it, so it can still enter it after its <c>/run/netns</c> name
/// is deleted (<see cref="DeleteName"/>). Dispose deletes the name (if still there) and closes
/// the descriptor; the kernel frees the namespace once nothing else holds it.
/// </summary>
/// <remarks>
/// Sockets "in" the namespace are created by the test process itself: a new dedicated thread
/// enters the namespace with setns, creates the socket and comes back before it ends. A socket
/// belongs for good to the namespace of the thread that created it, so it can then be bound,
/// connected and used asynchronously from any thread. Nothing on that thread may await or queue
/// work: a thread-pool thread born there would live in the wrong namespace.
/// </remarks>
public sealed partial class TestNamespace : IDisposable
{
    /// <summary>Every namespace of the test suites is named <c>ntb-PID-N</c>: unique per test process, so runs can overlap.</summary>
    public const string Prefix = "ntb-";

    /// <summary>The backlog of a test's listening socket unless it asks for another.</summary>
    public const int DefaultBacklog = 512;

    private static readonly TimeSpan IpTimeout = TimeSpan.FromSeconds(20);
    private static readonly object IpGate = new();
    private static int s_counter;
    private readonly OwnedFd _handle;
    private bool _nameDeleted;
    private bool _disposed;

    static TestNamespace()
    {
        // Let the socket machinery initialise itself on an ordinary thread, outside any namespace.
        using var warmUp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            DeleteLeftoversOfDeadRuns();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException)
        {
            // Best effort; each test still creates and deletes its own namespaces.
        }
    }

    private TestNamespace(string name, OwnedFd handle)
    {
        Name = name;
        _handle = handle;
    }

    public string Name { get; }

    /// <summary>The nsfs file <c>ip netns add</c> created: <c>/run/netns/NAME</c>.</summary>
    public string FilePath => $"/run/netns/{Name}";

    public static TestNamespace Create()
    {
        string name = $"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        lock (IpGate)
        {
            // Serialised: the first 'ip netns add' of a boot sets up the /run/netns mount, and
            // concurrent first calls can trip over each other.
            Ip("netns", "add", name);
        }

        OwnedFd handle;
        try
        {
            handle = OwnedFd.OpenReadOnly($"/run/netns/{name}");
        }
        catch
        {
            lock (IpGate)
            {
                Ip("netns", "delete", name);
            }

            throw;
        }

        var created = new TestNamespace(name, handle);
        try
        {
            Ip("-n", name, "link", "set", "lo", "up");
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    /// <summary>Runs <paramref name="work"/> on a new thread that sits in this namespace meanwhile.</summary>
    public T Enter<T>(Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RunInside(work);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"in netns {Name}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>A new TCP socket that lives in this namespace.</summary>
    public Socket CreateSocket(AddressFamily family) =>
        Enter(() => new Socket(family, SocketType.Stream, ProtocolType.Tcp));

    /// <summary>Several TCP sockets in this namespace, from one visit.</summary>
    public Socket[] CreateSockets(AddressFamily family, int count) => Enter(() =>
    {
        var sockets = new Socket[count];
        for (int i = 0; i < count; i++)
        {
            sockets[i] = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        }

        return sockets;
    });

    /// <summary>A listening socket in this namespace.</summary>
    /// <remarks>
    /// SO_REUSEADDR, so that a test may listen again on a port whose previous listener it closed:
    /// that listener's queued connections live on, orphaned, in FIN_WAIT for a moment, holding the port.
    /// </remarks>
    public Socket Listen(IPEndPoint endpoint, int backlog = DefaultBacklog)
    {
        var socket = CreateSocket(endpoint.AddressFamily);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A client socket created in this namespace and connected to <paramref name="endpoint"/>.</summary>
    public async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = CreateSocket(endpoint.AddressFamily);
        try
        {
            await socket.ConnectAsync(endpoint).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The namespace's identity as the kernel shows it, e.g. <c>net:[4026532301]</c>.</summary>
    public string Identity => Enter(() => ProcFs.ReadLink("/proc/thread-self/ns/net")
        ?? throw new InvalidOperationException("cannot read /proc/thread-self/ns/net"));

    /// <summary>True when some socket in this namespace listens on TCP <paramref name="port"/> (any address).</summary>
    public bool HasListener(int port) => Enter(() =>
        HasListenerIn("/proc/thread-self/net/tcp", port) || HasListenerIn("/proc/thread-self/net/tcp6", port));

    /// <summary>
    /// Polls until something listens on <paramref name="port"/> here; fails early, with its stderr,
    /// when <paramref name="bridge"/> exits first. Watching the socket table instead of connecting
    /// leaves no connection behind (one-shot bridges would take it as their one client).
    /// </summary>
    public async Task WaitForListenerAsync(int port, BridgeProcess? bridge = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!HasListener(port))
        {
            if (bridge is not null && bridge.HasExited)
            {
                throw new InvalidOperationException($"the bridge exited before listening on port {port} in netns {Name}: {bridge.Describe()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nothing listens on port {port} in netns {Name} after 10 s{(bridge is null ? string.Empty : ": " + bridge.Describe())}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>The network interfaces of this namespace, by name.</summary>
    public IReadOnlyList<string> InterfaceNames()
    {
        string output = Ip("-n", Name, "-o", "link", "show").Stdout;
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 3)[1].Trim().Split('@')[0])];
    }

    /// <summary>True while <c>/run/netns/NAME</c> exists (until <see cref="DeleteName"/> or Dispose).</summary>
    public bool HasName => !_nameDeleted;

    /// <summary>
    /// <c>ip netns delete NAME</c>: removes the name only. The namespace lives on while a process
    /// (the bridge, and this object) holds it; the test still enters it through its descriptor.
    /// </summary>
    public void DeleteName()
    {
        if (_nameDeleted)
        {
            return;
        }

        _nameDeleted = true;
        lock (IpGate)
        {
            Ip("netns", "delete", Name);
        }
    }

    /// <summary>Writes a per-namespace sysctl such as <c>net/ipv4/ip_local_port_range</c> from inside.</summary>
    public void SetSysctl(string key, string value) => Enter(() =>
    {
        File.WriteAllText($"/proc/sys/{key}", value);
        return 0;
    });

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            DeleteName();
        }
        finally
        {
            _handle.Dispose();
        }
    }

    public override string ToString() => Name;

    private T RunInside<T>(Func<T> work)
    {
        int home = Native.Open("/proc/thread-self/ns/net", Native.O_RDONLY | Native.O_CLOEXEC, 0);
        if (home < 0)
        {
            throw new InvalidOperationException($"open /proc/thread-self/ns/net: {Native.LastError()}");
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            if (Native.Setns(_handle.Number, Native.CLONE_NEWNET) != 0)
            {
                throw new InvalidOperationException($"setns into netns {Name}: {Native.LastError()}");
            }

            try
            {
                return work();
            }
            finally
            {
                if (Native.Setns(home, Native.CLONE_NEWNET) != 0)
                {
                    // From here nothing could be trusted about which namespace the test runs in.
                    Environment.FailFast($"cannot return from netns {Name} to the test's own: {Native.LastError()}");
                }
            }
        }
        finally
        {
            Native.Close(home);
        }
    }

    private static bool HasListenerIn(string table, int port)
    {
        const string Listen = "0A";
        string wanted = port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (string line in File.ReadLines(table).Skip(1))
        {
            // "  0: 0100007F:1F40 00000000:0000 0A ..." : local address, remote address, state
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 3 && fields[3] == Listen && fields[1].EndsWith(":" + wanted, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static ProcessResult Ip(params string[] arguments)
    {
        var result = ExternalProcess.Run(IpTimeout, "ip", arguments);
        return result.ExitCode == 0 ? result : throw new InvalidOperationException(result.ToString());
    }

    // Namespaces named after a test process that no longer exists were left by a run that was
    // killed before its clean-up; only those are touched.
    private static void DeleteLeftoversOfDeadRuns()
    {
        if (!Directory.Exists("/run/netns"))
        {
            return;
        }

        foreach (string path in Directory.EnumerateFileSystemEntries("/run/netns"))
        {
            var match = LeftoverName().Match(Path.GetFileName(path));
            if (match.Success && int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out int pid)
                && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                ExternalProcess.Run(IpTimeout, "ip", "netns", "delete", Path.GetFileName(path));
            }
        }
    }

    [GeneratedRegex("^ntb-([0-9]+)-[0-9]+$")]
    private static partial Regex LeftoverName();
}
