using System.Globalization;

namespace NetnsTcpBridge.Handover;

/// <summary>The text of an End record: how long the connector may wait for open connections ("drain-ms=N"; none: no limit).</summary>
public static class EndRecord
{
    private const string Key = "drain-ms=";

    public static string Format(TimeSpan drain) =>
        drain == Timeout.InfiniteTimeSpan ? string.Empty : $"{Key}{(long)drain.TotalMilliseconds}";

    public static TimeSpan Parse(string text) =>
        text.StartsWith(Key, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(Key.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : text.Length == 0 ? Timeout.InfiniteTimeSpan : throw new InvalidDataException($"malformed end record '{text}'");
}
