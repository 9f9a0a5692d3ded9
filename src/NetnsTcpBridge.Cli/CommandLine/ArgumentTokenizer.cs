namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>
/// Splits argv into (option, value) pairs. Accepts the usual forms: <c>-l VALUE</c>, <c>-lVALUE</c>,
/// <c>--listen VALUE</c>, <c>--listen=VALUE</c>, and grouped flags such as <c>-vh</c>.
/// </summary>
internal static class ArgumentTokenizer
{
    public static IReadOnlyList<(OptionDefinition Option, string? Value)> Tokenize(IReadOnlyList<string> args)
    {
        var result = new List<(OptionDefinition, string?)>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                int equals = arg.IndexOf('=', StringComparison.Ordinal);
                string name = equals < 0 ? arg[2..] : arg[2..equals];
                var option = OptionDefinitions.All.FirstOrDefault(o => o.Long == name)
                    ?? throw new UsageException($"unknown option '--{name}'");
                string? value = null;
                if (option.TakesValue)
                {
                    value = equals >= 0 ? arg[(equals + 1)..] : NextValue(args, ref i, option);
                }
                else if (equals >= 0)
                {
                    throw new UsageException($"option {option.Spellings} takes no value");
                }

                result.Add((option, value));
            }
            else if (arg.StartsWith('-') && arg.Length > 1 && arg != "--")
            {
                for (int position = 1; position < arg.Length; position++)
                {
                    char letter = arg[position];
                    var option = OptionDefinitions.All.FirstOrDefault(o => o.Short == letter)
                        ?? throw new UsageException($"unknown option '-{letter}'");
                    if (!option.TakesValue)
                    {
                        result.Add((option, null));
                        continue;
                    }

                    string value = position + 1 < arg.Length ? arg[(position + 1)..] : NextValue(args, ref i, option);
                    result.Add((option, value));
                    break;
                }
            }
            else
            {
                throw new UsageException($"unexpected argument '{arg}'; every value belongs to an option such as -l or -c");
            }
        }

        return result;
    }

    private static string NextValue(IReadOnlyList<string> args, ref int index, OptionDefinition option)
    {
        if (index + 1 >= args.Count)
        {
            throw new UsageException($"option {option.Spellings} needs a value ({option.ValueName})");
        }

        index++;
        return args[index];
    }
}
