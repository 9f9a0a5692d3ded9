using System.Text;

namespace NetnsTcpBridge.Reliability.Infrastructure;

// Editing an option list and spelling it as argv; random text and choices.
public sealed partial class CommandLineFuzzer
{
    private static List<(string Name, string? Value)> Conflicts(List<(string Name, string? Value)> options)
    {
        var conflicts = new List<(string Name, string? Value)>();
        bool Has(string name) => options.Any(o => o.Name == name);
        if (Has("listen"))
        {
            conflicts.Add(("listen-fd", "3"));
            conflicts.Add(("preaccepted-fd", "3"));
            conflicts.Add(("listen-netns-fd", "3"));
        }
        else
        {
            conflicts.Add(("listen", "127.0.0.1:8000"));
            conflicts.Add(("listen-netns-file", "/nonexistent-ntbr/x"));
        }

        if (Has("connect"))
        {
            conflicts.Add(("connect-fd", "4"));
            conflicts.Add(Has("connect-netns-file") ? ("connect-netns-fd", "4") : ("connect", "127.0.0.1:1"));
        }
        else
        {
            conflicts.Add(("connect", "127.0.0.1:9000"));
            conflicts.Add(("connect-netns-file", "/nonexistent-ntbr/y"));
        }

        return conflicts;
    }

    private (string Name, string? Value) PickDescriptorOption() =>
        (Pick(["listen-fd", "preaccepted-fd", "connect-fd", "listen-netns-fd", "connect-netns-fd"]), null);

    private static void Replace(List<(string Name, string? Value)> options, string name, string value)
    {
        int index = options.FindIndex(o => o.Name == name);
        options[index] = (name, value);
    }

    private static void Set(List<(string Name, string? Value)> options, string name, string value)
    {
        int index = options.FindIndex(o => o.Name == name);
        if (index >= 0)
        {
            options[index] = (name, value);
        }
        else
        {
            options.Add((name, value));
        }
    }

    private void Insert(List<(string Name, string? Value)> options, (string Name, string? Value) option) =>
        options.Insert(_random.Next(options.Count + 1), option);

    private static readonly Dictionary<string, char> ShortNames = new()
    {
        ["listen"] = 'l', ["listen-fd"] = 'L', ["preaccepted-fd"] = 'S', ["connect"] = 'c', ["connect-fd"] = 'C',
        ["listen-netns-file"] = 'f', ["listen-netns-fd"] = 'F', ["connect-netns-file"] = 't', ["connect-netns-fd"] = 'T', ["verbose"] = 'v', ["quiet"] = 'q',
    };

    /// <summary>Spells each option one of the accepted ways: -x V, -xV, --long V, --long=V.</summary>
    private List<string> Render(List<(string Name, string? Value)> options)
    {
        var tokens = new List<string>();
        foreach (var (name, value) in options)
        {
            bool hasShort = ShortNames.TryGetValue(name, out char letter);
            if (value is null)
            {
                tokens.Add(hasShort && _random.Next(2) == 0 ? $"-{letter}" : $"--{name}");
                continue;
            }

            switch (_random.Next(4))
            {
                case 0 when hasShort:
                    tokens.Add($"-{letter}");
                    tokens.Add(value);
                    break;
                case 1 when hasShort && value.Length > 0:
                    tokens.Add($"-{letter}{value}");
                    break;
                case 2:
                    tokens.Add($"--{name}={value}");
                    break;
                default:
                    tokens.Add($"--{name}");
                    tokens.Add(value);
                    break;
            }
        }

        return tokens;
    }

    private string RandomText(int length)
    {
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            text.Append(_random.Next(10) switch
            {
                0 => (char)_random.Next(1, 32),                  // control characters
                1 => (char)(0xDC80 + _random.Next(0x80)),        // a raw byte 0x80-0xFF: not UTF-8
                2 => (char)_random.Next(0xA0, 0x2FFF),           // other scripts
                3 => "-:.[]=, /%"[_random.Next(10)],
                4 => (char)('0' + _random.Next(10)),
                _ => (char)_random.Next(0x21, 0x7F),
            });
        }

        return text.ToString();
    }

    private T Pick<T>(IReadOnlyList<T> choices) => choices[_random.Next(choices.Count)];

    private void Shuffle<T>(List<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = _random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
