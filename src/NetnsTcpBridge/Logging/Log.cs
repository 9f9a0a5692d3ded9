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
            WriteToStandardError(text + "\n");
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

        WriteToStandardError($"{Prefix}: {label}{OneLine(message)}\n");
    }

    /// <summary>
    /// Straight to descriptor 2 with write(2). System.Console opens its stream lazily by duplicating
    /// the descriptor, which fails exactly when a message matters most: out of descriptors (EMFILE).
    /// </summary>
    private static unsafe void WriteToStandardError(string line)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(line);
        lock (Gate)
        {
            fixed (byte* start = bytes)
            {
                int written = 0;
                while (written < bytes.Length)
                {
                    nint result = Interop.Libc.Write(2, start + written, (nuint)(bytes.Length - written));
                    if (result <= 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != (int)Interop.Errno.EINTR)
                    {
                        return; // stderr is gone; nothing better to do with a log line
                    }

                    written += (int)Math.Max(0, result);
                }
            }
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
