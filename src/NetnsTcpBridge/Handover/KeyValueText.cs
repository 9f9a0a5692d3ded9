using System.Globalization;
using System.Text;

namespace NetnsTcpBridge.Handover;

/// <summary>
/// Writes the one text form of every record the parts exchange: <c>key=value</c> lines. A value
/// holds no newline; a key may repeat only where the reader takes it with <see cref="KeyValueReader.TakeAll"/>.
/// </summary>
internal sealed class KeyValueWriter
{
    private readonly StringBuilder _text = new();

    public KeyValueWriter Add(string key, string value)
    {
        if (value.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the value of '{key}' holds a newline", nameof(value));
        }

        _text.Append(key).Append('=').Append(value).Append('\n');
        return this;
    }

    public KeyValueWriter Add(string key, long value) => Add(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A flag is written only when set, as <c>key=1</c>: an absent key reads as false.</summary>
    public KeyValueWriter AddFlag(string key, bool value) => value ? Add(key, 1) : this;

    /// <summary>A duration in whole milliseconds, under a key that ends in <c>-ms</c>.</summary>
    public KeyValueWriter AddMilliseconds(string key, TimeSpan value) => Add(key, (long)value.TotalMilliseconds);

    public override string ToString() => _text.ToString();
}

/// <summary>
/// Reads what <see cref="KeyValueWriter"/> wrote. Each key is taken once; what is left at
/// <see cref="EnsureEmpty"/> is an unknown key, and every malformed value names the record and key.
/// </summary>
internal sealed class KeyValueReader
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly string _record;

    /// <param name="record">What the text is, for messages: "connector settings".</param>
    public KeyValueReader(string text, string record)
    {
        _record = record;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Malformed($"malformed line '{line}'");
            }

            string key = line[..equals];
            if (!_values.TryGetValue(key, out var list))
            {
                _values[key] = list = [];
            }

            list.Add(line[(equals + 1)..]);
        }
    }

    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>The value of a key that must be there once.</summary>
    public string Take(string key) => TakeOptional(key) ?? throw Malformed($"{key} missing");

    /// <summary>The value of a key that may be absent (null), but not repeated.</summary>
    public string? TakeOptional(string key)
    {
        if (!_values.Remove(key, out var list))
        {
            return null;
        }

        return list.Count == 1 ? list[0] : throw Malformed($"repeated line '{key}={list[1]}'");
    }

    /// <summary>Every value of a key that may repeat, in order; none when absent.</summary>
    public IReadOnlyList<string> TakeAll(string key) => _values.Remove(key, out var list) ? list : [];

    public long TakeNumber(string key) => Number(key, Take(key));

    public long? TakeOptionalNumber(string key) => TakeOptional(key) is { } value ? Number(key, value) : null;

    public int TakeInt(string key) => checked((int)TakeNumber(key));

    public TimeSpan TakeMilliseconds(string key) => TimeSpan.FromMilliseconds(TakeNumber(key));

    public TimeSpan? TakeOptionalMilliseconds(string key) => TakeOptionalNumber(key) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    /// <summary>A flag written by <see cref="KeyValueWriter.AddFlag"/>: absent is false, <c>1</c> true.</summary>
    public bool TakeFlag(string key) => TakeOptional(key) switch
    {
        null => false,
        "1" => true,
        var other => throw Malformed($"{key}={other}"),
    };

    /// <summary>A word of <paramref name="words"/>, or <paramref name="absent"/> when the key is not there.</summary>
    public T TakeWord<T>(string key, WordTable<T> words, T absent)
        where T : struct, Enum =>
        TakeOptional(key) is not { } word ? absent
        : words.TryParse(word, out var value) ? value
        : throw Malformed($"unknown {key} '{word}'");

    /// <summary>A value parsed by <paramref name="parse"/>, which says why it is wrong (null when right).</summary>
    public T? TakeParsed<T>(string key, Func<string, (T? Value, string? Error)> parse)
        where T : class
    {
        if (TakeOptional(key) is not { } text)
        {
            return null;
        }

        var (value, error) = parse(text);
        return error is null ? value : throw Malformed($"{key}={text}: {error}");
    }

    /// <summary>Refuses what no one took: a key this build does not know.</summary>
    public void EnsureEmpty()
    {
        if (_values.Count > 0)
        {
            throw Malformed($"unknown key '{_values.Keys.First()}'");
        }
    }

    public InvalidDataException Malformed(string what) => new($"{_record}: {what}");

    // Every number the parts exchange is a count, a size or a duration: none is negative.
    private long Number(string key, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long number)
            ? number
            : throw Malformed($"{key}={value}: not a number");
}
