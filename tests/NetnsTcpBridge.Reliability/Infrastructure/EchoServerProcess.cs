using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>
/// This assembly run as an echo server in its own process, wholly inside a namespace
/// (<c>ip netns exec NAME dotnet NetnsTcpBridge.Reliability.dll echo-server IP:PORT</c>):
/// its descriptors do not count against the test process's limit. Dispose kills it by PID.
/// </summary>
public sealed class EchoServerProcess : IDisposable
{
    private readonly Process _process;

    private EchoServerProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public static async Task<EchoServerProcess> StartAsync(TestNamespace ns, IPEndPoint endpoint)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo("ip")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        foreach (string argument in new[] { "netns", "exec", ns.Name, dotnet, "exec", typeof(Program).Assembly.Location, "echo-server", endpoint.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the echo server process");
        var server = new EchoServerProcess(process);
        try
        {
            string? first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (first != "ready")
            {
                throw new InvalidOperationException($"the echo server process said '{first}' instead of 'ready'");
            }

            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Connections open in the server now, and accepted so far.</summary>
    public async Task<(int Open, int Accepted)> CountAsync()
    {
        await _process.StandardInput.WriteLineAsync("count");
        await _process.StandardInput.FlushAsync();
        string line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
            ?? throw new InvalidOperationException("the echo server process ended");
        string[] parts = line.Split(' ');
        return (int.Parse(parts[0]["open=".Length..], CultureInfo.InvariantCulture), int.Parse(parts[1]["accepted=".Length..], CultureInfo.InvariantCulture));
    }

    public void Dispose() => ExternalProcess.KillAndDispose(_process);
}
