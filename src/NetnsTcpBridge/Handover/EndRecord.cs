namespace NetnsTcpBridge.Handover;

/// <summary>The text of an End record: how long the connector may wait for open connections (<c>drain-ms</c>; none: no limit).</summary>
public static class EndRecord
{
    private const string DrainKey = "drain-ms";

    public static string Format(TimeSpan drain)
    {
        var text = new KeyValueWriter();
        if (drain != Timeout.InfiniteTimeSpan)
        {
            text.AddMilliseconds(DrainKey, drain);
        }

        return text.ToString();
    }

    public static TimeSpan Parse(string text)
    {
        var values = new KeyValueReader(text, "end record");
        var drain = values.TakeOptionalMilliseconds(DrainKey) ?? Timeout.InfiniteTimeSpan;
        values.EnsureEmpty();
        return drain;
    }
}
