namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>The command line is wrong; the message says how, in one line. Exit status 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }
}
