namespace NetnsTcpBridge.Cli.CommandLine;



/// <summary>The command line is wrong; the message says how, in one line. Exit status 2.</summary>
internal sealed class UsageException : Exception
{
    // The message quotes what the user typed, which may hold line breaks: keep it one line.
    public UsageException(string message)
        : base(Logging.Log.OneLine(message))
    {
    }
}
