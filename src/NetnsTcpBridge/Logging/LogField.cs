using System.Globalization;

namespace NetnsTcpBridge.Logging;

/// <summary>
/// One structured field of a log record, e.g. <c>"bytes_client_to_server": 100</c>. Shown as its
/// own key in JSON; in text the message already says it in words.
/// </summary>
/// <param name="Key">The JSON key: lower case with underscores, stable across versions.</param>
/// <param name="JsonValue">The value as JSON text: a quoted string or a number.</param>
public readonly record struct LogField(string Key, string JsonValue)
{
    public static LogField Text(string key, string value) => new(key, JsonText.Quote(value));

    public static LogField Number(string key, long value) => new(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A duration in seconds with millisecond precision, e.g. <c>1.234</c>.</summary>
    public static LogField Seconds(string key, TimeSpan value) =>
        new(key, value.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture));
}
