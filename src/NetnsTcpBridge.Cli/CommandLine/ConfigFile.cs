namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>
/// Reads the rules of a <c>--config</c> file: one <c>[name]</c> section per rule, then its
/// <c>key = value</c> lines; <c>#</c> and <c>;</c> start comment lines. Every error names the file
/// and the line, and quotes nothing of it but a key or a valid rule name: the file may not be meant
/// for a log (see <see cref="RuleParser"/>).
/// </summary>
/// <example>
/// <code>
/// [web]
/// listen = 127.0.0.1:8080
/// connect = 127.0.0.1:80
/// connect-netns = backend
/// </code>
/// </example>
internal static class ConfigFile
{
    /// <summary>A rule's name, its pairs, and the line of its section header.</summary>
    public sealed record Section(string Name, List<RuleParser.Pair> Pairs, string Where);

    public static List<Section> Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            string why = Directory.Exists(path) ? "it is a directory" : FileReadError.Describe(e);
            throw new UsageException($"cannot read config file {path}: {why}");
        }

        return Parse(path, lines);
    }

    /// <param name="fileName">For messages: "FILE:LINE: ...".</param>
    public static List<Section> Parse(string fileName, IReadOnlyList<string> lines)
    {
        var sections = new List<Section>();
        for (int i = 0; i < lines.Count; i++)
        {
            string where = $"{fileName}:{i + 1}";
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (line[^1] != ']')
                {
                    throw new UsageException($"{where}: a section header is [name], and this line starts with '[' without ending with ']'");
                }

                string name = line[1..^1].Trim();
                if (!RuleParser.IsValidName(name))
                {
                    throw new UsageException($"{where}: invalid rule name in the [name] header (not shown); expected {RuleParser.NameSyntax}");
                }

                if (sections.Find(s => s.Name == name) is { } earlier)
                {
                    throw new UsageException($"{where}: rule '{name}' is defined twice (first at {earlier.Where})");
                }

                sections.Add(new Section(name, [], where));
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"{where}: expected 'key = value', a [name] header or a # comment (the line is not shown)");
            }

            string key = line[..equals].Trim();
            if (sections.Count == 0)
            {
                string what = RuleParser.LooksLikeKey(key) ? $"'{key}'" : "a 'key = value' line";
                throw new UsageException($"{where}: {what} comes before any [name] header; every rule starts with one");
            }

            sections[^1].Pairs.Add(new RuleParser.Pair(key, line[(equals + 1)..].Trim(), where, ShowValue: false));
        }

        return sections.Count > 0
            ? sections
            : throw new UsageException($"{fileName}: no rules; each rule is a [name] header followed by listen = ... and connect = ... lines");
    }
}
