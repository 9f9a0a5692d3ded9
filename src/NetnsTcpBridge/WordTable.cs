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
