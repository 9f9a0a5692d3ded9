using System.Globalization;
using System.Text;

namespace NetnsTcpBridge.Logging;

/// <summary>
/// Builds one log line, newline included, in either format. Pure (no clock, no I/O), so the
/// layout can be tested exactly.
/// </summary>
/// <remarks>
/// Text: <c>[TIME ]PREFIX: [LABEL: ]MESSAGE</c>, where TIME is RFC 3339 UTC with milliseconds
/// (left out under journald, which stamps every line itself), PREFIX names the part
/// (<c>netns_tcp_bridge</c> or <c>netns_tcp_bridge[connector]</c>) and LABEL is
/// <c>error</c> or <c>warning</c>; structured fields are not repeated, the message says them.
/// JSON: <c>{"time":…,"level":…,"part":…,"message":…[,"event":…,FIELDS]}</c>, keys in that order,
/// "time" left out under journald.
/// </remarks>
public static class LogLineFormatter
{
    /// <summary>RFC 3339, UTC, milliseconds: sorts as text and parses everywhere.</summary>
    public static string FormatTime(DateTime utc) =>
        utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Error => "error",
        LogLevel.Warning => "warning",
        LogLevel.Info => "info",
        _ => "debug",
    };

    public static string Text(DateTime? time, string prefix, LogLevel level, string message)
    {
        var text = new StringBuilder(message.Length + 64);
        if (time is { } at)
        {
            text.Append(FormatTime(at)).Append(' ');
        }

        text.Append(prefix).Append(": ");
        if (level is LogLevel.Error or LogLevel.Warning)
        {
            text.Append(LevelName(level)).Append(": ");
        }

        return text.Append(Log.OneLine(message)).Append('\n').ToString();
    }

    public static string Json(DateTime? time, string part, LogLevel level, string message, string? eventName = null, ReadOnlySpan<LogField> fields = default)
    {
        var text = new StringBuilder(message.Length + 96 + (fields.Length * 32));
        text.Append('{');
        if (time is { } at)
        {
            text.Append("\"time\":\"").Append(FormatTime(at)).Append("\",");
        }

        text.Append("\"level\":\"").Append(LevelName(level)).Append("\",\"part\":");
        JsonText.AppendString(text, part);
        text.Append(",\"message\":");
        JsonText.AppendString(text, message);
        if (eventName is not null)
        {
            text.Append(",\"event\":");
            JsonText.AppendString(text, eventName);
        }

        foreach (var field in fields)
        {
            text.Append(',');
            JsonText.AppendString(text, field.Key);
            text.Append(':').Append(field.JsonValue);
        }

        return text.Append("}\n").ToString();
    }
}
