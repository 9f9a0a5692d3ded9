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
/// One-line messages on stderr, prefixed with the program name and the part that speaks.
/// Kept this small on purpose: both parts are separate processes that share the same stderr,
/// and the native executable should not pay for a logging framework it does not need.
/// </summary>
public static class Log
{
    private static readonly object Gate = new();

    public static LogLevel Level { get; set; } = LogLevel.Info;

    /// <summary>Printed before every line, e.g. "netns_tcp_bridge" or "netns_tcp_bridge[connector]".</summary>
    public static string Prefix { get; set; } = "netns_tcp_bridge";

    public static bool IsEnabled(LogLevel level) => level <= Level;

    public static void Error(string message) => Write(LogLevel.Error, "error: ", message);

    public static void Warning(string message) => Write(LogLevel.Warning, "warning: ", message);

    public static void Info(string message) => Write(LogLevel.Info, string.Empty, message);

    public static void Debug(string message) => Write(LogLevel.Debug, string.Empty, message);

    /// <summary>Multi-line diagnostic text such as a stack trace, shown as it is; debug level only.</summary>
    public static void DebugDetails(string text)
    {
        if (IsEnabled(LogLevel.Debug))
        {
            lock (Gate)
            {
                Console.Error.WriteLine(text);
            }
        }
    }

    /// <summary>Formats the message only when debug logging is on.</summary>
    public static void Debug([InterpolatedStringHandlerArgument] ref DebugMessageHandler message)
    {
        if (IsEnabled(LogLevel.Debug))
        {
            Write(LogLevel.Debug, string.Empty, message.ToString());
        }
    }

    private static void Write(LogLevel level, string label, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        lock (Gate)
        {
            Console.Error.WriteLine($"{Prefix}: {label}{OneLine(message)}");
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
