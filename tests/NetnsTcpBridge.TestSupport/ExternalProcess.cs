using System.Diagnostics;

namespace NetnsTcpBridge.TestSupport;

/// <summary>How a helper program ended and what it printed.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() =>
        $"'{CommandLine}' exited {ExitCode}; stdout: {Quote(Stdout)}; stderr: {Quote(Stderr)}";

    private static string Quote(string text) => text.Length == 0 ? "(empty)" : $"\"{text.TrimEnd()}\"";
}

/// <summary>
/// A helper program (ip, curl, sleep) started with <see cref="Process"/>, its output captured.
/// Dispose kills it by PID if it still runs, and reaps it.
/// </summary>
public sealed class ExternalProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private ExternalProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public string CommandLine { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ExternalProcess Start(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        string commandLine = string.Join(' ', [file, .. arguments]);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start '{commandLine}'");
        process.StandardInput.Close();
        return new ExternalProcess(process, commandLine);
    }

    /// <summary>Runs a program to its end, failing (not hanging) after <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(TimeSpan timeout, string file, params string[] arguments)
    {
        using var process = Start(file, arguments);
        return await process.WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>Synchronous variant for set-up and clean-up code (ip netns add/del).</summary>
    public static ProcessResult Run(TimeSpan timeout, string file, params string[] arguments)
    {
        using var process = Start(file, arguments);
        if (!process._process.WaitForExit(timeout))
        {
            throw new TimeoutException($"'{process.CommandLine}' did not finish within {timeout.TotalSeconds} s");
        }

        process._process.WaitForExit(); // lets the output readers finish
        return new ProcessResult(process.CommandLine, process._process.ExitCode, process._stdout.GetAwaiter().GetResult(), process._stderr.GetAwaiter().GetResult());
    }

    public async Task<ProcessResult> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"'{CommandLine}' did not finish within {timeout.TotalSeconds} s");
        }

        return new ProcessResult(CommandLine, _process.ExitCode, await _stdout.ConfigureAwait(false), await _stderr.ConfigureAwait(false));
    }

    public void Dispose() => KillAndDispose(_process);

    /// <summary>Kills <paramref name="process"/> and its children by PID if it still runs, reaps it and disposes it.</summary>
    public static void KillAndDispose(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already exited and reaped.
        }
        finally
        {
            process.Dispose();
        }
    }
}
