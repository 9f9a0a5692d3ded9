using System.Runtime.CompilerServices;

namespace NetnsTcpBridge.Logging;

/// <summary>How much the program says on stderr.</summary>
public enum LogLevel
{
    Error = 0,
    Warning = 1,
    Info = 2,
    Debug = 3,
}

/// <summary>
/// One-line messages on stderr, prefixed with the program name and the part that speaks, as text
/// or as JSON (see <see cref="LogLineFormatter"/>).
/// Kept this small on purpose: both parts are separate processes that share the same stderr,
/// and the native executable should not pay for a logging framework it does not need.
/// </summary>
public static class Log
{
    private const string ProgramName = "netns_tcp_bridge";

    private static readonly object Gate = new();

    [ThreadStatic]
    private static bool t_neverWait;

    public static LogLevel Level { get; set; } = LogLevel.Info;

    public static LogFormat Format { get; set; } = LogFormat.Text;

    /// <summary>
    /// Whether lines carry a timestamp: yes, unless stderr goes to the journal, which stamps
    /// every line itself. Off until the bridge runs, so command-line errors stay plain.
    /// </summary>
    public static bool Timestamps { get; set; }

    /// <summary>Which part speaks: "listener" or "connector" (the JSON "part" key).</summary>
    public static string Part
    {
        get;
        set
        {
            field = value;
            Prefix = value == "listener" ? ProgramName : $"{ProgramName}[{value}]";
        }
    } = "listener";

    /// <summary>
    /// Printed before every text line: "netns_tcp_bridge", or "netns_tcp_bridge[connector]" for the
    /// connector part (set with <see cref="Part"/>; a connector serving named rules lists them too).
    /// </summary>
    public static string Prefix { get; set; } = ProgramName;

    public static bool IsEnabled(LogLevel level) => level <= Level;

    /// <summary>
    /// From now on this thread's lines go through <see cref="StandardErrorQueue"/>: it never waits
    /// for stderr, and drops lines (counted) when stderr is not read. For the relay event loops.
    /// </summary>
    public static void NeverWaitOnThisThread() => t_neverWait = true;

    /// <summary>Waits, at most <paramref name="limit"/>, for lines queued by event loops to be written (before exiting).</summary>
    public static void FlushQueued(TimeSpan limit) => StandardErrorQueue.Flush(limit);

    public static void Error(string message) => Write(LogLevel.Error, message);

    public static void Warning(string message) => Write(LogLevel.Warning, message);

    public static void Info(string message) => Write(LogLevel.Info, message);

    public static void Debug(string message) => Write(LogLevel.Debug, message);

    /// <summary>
    /// Multi-line diagnostic text such as a stack trace, debug level only: as it is in text, one
    /// escaped "message" in JSON.
    /// </summary>
    public static void DebugDetails(string text)
    {
        if (IsEnabled(LogLevel.Debug))
        {
            WriteToStandardError(Format == LogFormat.Json
                ? LogLineFormatter.Json(Now(), Part, LogLevel.Debug, text)
                : text + "\n");
        }
    }

    /// <summary>Formats the message only when debug logging is on.</summary>
    public static void Debug([InterpolatedStringHandlerArgument] ref DebugMessageHandler message)
    {
        if (IsEnabled(LogLevel.Debug))
        {
            Write(LogLevel.Debug, message.ToString());
        }
    }

    /// <summary>
    /// A record with structured fields, e.g. a connection's close: in JSON, "event" and each field
    /// get their own key; in text, only the message is shown (it says the same in words).
    /// </summary>
    public static void Event(LogLevel level, string eventName, string message, ReadOnlySpan<LogField> fields)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        WriteToStandardError(Format == LogFormat.Json
            ? LogLineFormatter.Json(Now(), Part, level, message, eventName, fields)
            : LogLineFormatter.Text(Now(), Prefix, level, message));
    }

    private static void Write(LogLevel level, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        WriteToStandardError(FormatLine(level, message));
    }

    internal static string FormatLine(LogLevel level, string message) =>
        Format == LogFormat.Json
            ? LogLineFormatter.Json(Now(), Part, level, message)
            : LogLineFormatter.Text(Now(), Prefix, level, message);

    private static DateTime? Now() => Timestamps ? DateTime.UtcNow : null;

    /// <summary>
    /// Straight to descriptor 2 with write(2). System.Console opens its stream lazily by duplicating
    /// the descriptor, which fails exactly when a message matters most: out of descriptors (EMFILE).
    /// </summary>
    private static void WriteToStandardError(string line)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(line);
        if (t_neverWait && !StandardErrorQueue.StandardErrorIsAFile)
        {
            StandardErrorQueue.Enqueue(bytes);
        }
        else
        {
            WriteNow(bytes);
        }
    }

    internal static void WriteNow(byte[] bytes)
    {
        lock (Gate)
        {
            _ = StandardOutput.WriteAll(2, bytes); // stderr gone: nothing better to do with a log line
        }
    }

    /// <summary>
    /// Every message is one line, even when it quotes user input or a multi-line exception:
    /// control characters are shown escaped. Stack traces (verbose only) keep their line breaks.
    /// </summary>
    public static string OneLine(string message)
    {
        if (!message.Any(char.IsControl))
        {
            return message;
        }

        var text = new System.Text.StringBuilder(message.Length + 8);
        foreach (char c in message)
        {
            text.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return text.ToString();
    }
}
