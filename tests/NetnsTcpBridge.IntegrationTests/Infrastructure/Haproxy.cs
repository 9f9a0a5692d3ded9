namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// A real haproxy (Debian package <c>haproxy</c>) in the foreground (<c>haproxy -db -f CFG</c>),
/// inside a test namespace, with its configuration in a temporary folder. Dispose kills it by PID
/// and removes the folder.
/// </summary>
public sealed class Haproxy : IDisposable
{
    /// <summary>Settings every configuration starts with: one thread, short timeouts, logs nowhere.</summary>
    public const string Defaults = """
        global
            nbthread 1
            maxconn 200
        defaults
            timeout connect 5s
            timeout client 20s
            timeout server 20s

        """;

    private readonly ExternalProcess _process;
    private readonly string _directory;

    private Haproxy(ExternalProcess process, string directory, string configuration)
    {
        _process = process;
        _directory = directory;
        Configuration = configuration;
    }

    public int Pid => _process.Pid;

    public string Configuration { get; }

    /// <summary>Starts haproxy in <paramref name="ns"/> and waits until it listens on <paramref name="port"/>.</summary>
    public static async Task<Haproxy> StartAsync(TestNamespace ns, string configuration, int port)
    {
        if (!File.Exists("/usr/sbin/haproxy"))
        {
            throw new InvalidOperationException("haproxy is not installed: apt-get install haproxy (.ci/run installs it)");
        }

        string directory = Directory.CreateTempSubdirectory("ntb-haproxy-").FullName;
        string path = Path.Combine(directory, "haproxy.cfg");
        string text = Defaults + configuration;
        await File.WriteAllTextAsync(path, text).ConfigureAwait(false);

        // 'ip netns exec' enters the namespace and then execs haproxy: the PID is haproxy's own.
        var process = ExternalProcess.Start("ip", "netns", "exec", ns.Name, "/usr/sbin/haproxy", "-db", "-f", path);
        var haproxy = new Haproxy(process, directory, text);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (!ns.HasListener(port))
            {
                if (process.HasExited)
                {
                    var result = await process.WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                    throw new InvalidOperationException($"haproxy exited before listening on port {port} in netns {ns}: {result}; configuration:\n{text}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"haproxy (pid {process.Pid}) does not listen on port {port} in netns {ns} after 15 s; configuration:\n{text}");
                }

                await Task.Delay(20).ConfigureAwait(false);
            }

            return haproxy;
        }
        catch
        {
            haproxy.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Dispose();
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
    }
}
