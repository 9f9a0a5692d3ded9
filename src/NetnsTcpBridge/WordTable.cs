using NetnsTcpBridge.Logging;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge;

/// <summary>
/// The words of one enum, as users write them and as the parts tell each other: the command
/// line, rules, the records between the parts and log lines all read and write them here.
/// </summary>
public sealed class WordTable<T>
    where T : struct, Enum
{
    private readonly (T Value, string Word)[] _entries;

    public WordTable(params (T Value, string Word)[] entries) => _entries = entries;

    /// <summary>For messages: "splice or buffered".</summary>
    public string Choices => _entries.Length == 1
        ? _entries[0].Word
        : $"{string.Join(", ", _entries[..^1].Select(entry => entry.Word))} or {_entries[^1].Word}";

    public string Word(T value)
    {
        foreach (var (candidate, word) in _entries)
        {
            if (EqualityComparer<T>.Default.Equals(candidate, value))
            {
                return word;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"no word for {typeof(T).Name} value");
    }

    public bool TryParse(string? word, out T value)
    {
        foreach (var (candidate, known) in _entries)
        {
            if (string.Equals(known, word, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}

/// <summary>One word table per enum that users write.</summary>
public static class Words
{
    public static readonly WordTable<CopyMethod> CopyMethod = new((Relay.CopyMethod.Splice, "splice"), (Relay.CopyMethod.Buffered, "buffered"));

    /// <summary>The versions a user may choose; <see cref="ProxyProtocolVersion.None"/> is the option left out.</summary>
    public static readonly WordTable<ProxyProtocolVersion> ProxyProtocol = new((ProxyProtocolVersion.V1, "v1"), (ProxyProtocolVersion.V2, "v2"));

    public static readonly WordTable<LogFormat> LogFormat = new((Logging.LogFormat.Text, "text"), (Logging.LogFormat.Json, "json"));
}
