namespace NetnsTcpBridge.Parts.Listener;

/// <summary>How a child process ended, decoded from a waitpid status.</summary>
internal readonly record struct ExitStatus(int Code, int Signal)
{
    /// <summary>The exit code a shell would show: the code, or 128 + the signal number.</summary>
    public int ShellCode => Signal != 0 ? 128 + Signal : Code;

    public static ExitStatus FromWaitStatus(int status) =>
        (status & 0x7f) == 0 ? new ExitStatus((status >> 8) & 0xff, 0) : new ExitStatus(0, status & 0x7f);

    public override string ToString() => Signal != 0 ? $"killed by signal {Signal}" : $"exit status {Code}";
}
