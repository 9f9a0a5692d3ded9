using NetnsTcpBridge.Cli.CommandLine;
using Xunit;

namespace NetnsTcpBridge.Tests.CommandLine;

public class HelpTextTests
{
    public static TheoryData<string> Options()
    {
        var data = new TheoryData<string>();
        foreach (var option in OptionDefinitions.All)
        {
            data.Add(option.Long);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void Help_HasOneLineForEveryOption(string longName)
    {
        var option = OptionDefinitions.All.Single(o => o.Long == longName);
        string[] lines = HelpText.Build().Split('\n');

        // The option's own line starts with its spellings; other lines (rules, examples) may mention it too.
        string line = Assert.Single(lines, l => l.TrimStart().StartsWith($"--{option.Long} ", StringComparison.Ordinal)
            || l.TrimStart() == $"--{option.Long}"
            || l.TrimStart().StartsWith($"-{option.Short}, --{option.Long}", StringComparison.Ordinal));
        Assert.Contains(option.Help, line, StringComparison.Ordinal);
        if (option.Short is char letter)
        {
            Assert.Contains($"-{letter}, --{option.Long}", line, StringComparison.Ordinal);
        }

        if (option.ValueName is string valueName)
        {
            Assert.Contains($"--{option.Long} {valueName}", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Help_OptionColumn_IsFollowedByAtLeastTwoSpaces_EvenForTheLongestOption()
    {
        // docs/check-manpage.sh and readers find the end of the option column by two spaces.
        foreach (var option in OptionDefinitions.All)
        {
            string line = HelpText.Build().Split('\n').Single(l => l.Contains($"--{option.Long}", StringComparison.Ordinal) && l.EndsWith(option.Help, StringComparison.Ordinal));
            int helpStart = line.Length - option.Help.Length;
            Assert.True(line[..helpStart].EndsWith("  ", StringComparison.Ordinal), $"no two spaces before the help of --{option.Long}: '{line}'");
        }
    }

    [Fact]
    public void Help_StartsWithUsageAndShowsTheOriginalExample()
    {
        string help = HelpText.Build();

        Assert.StartsWith("Usage: netns_tcp_bridge ", help, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge -l 127.0.0.1:80 -f /proc/6448/ns/net -c 93.184.216.34:80", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ExamplesParse()
    {
        var examples = HelpText.Build().Split('\n').Where(l => l.TrimStart().StartsWith("netns_tcp_bridge -", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(examples);
        foreach (string example in examples)
        {
            Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(example.Trim().Split(' ')[1..]));
        }
    }

    [Fact]
    public void OptionDefinitions_SpellingsAreUnique()
    {
        var shorts = OptionDefinitions.All.Where(o => o.Short is not null).Select(o => o.Short).ToList();
        var longs = OptionDefinitions.All.Select(o => o.Long).ToList();

        Assert.Equal(shorts.Count, shorts.Distinct().Count());
        Assert.Equal(longs.Count, longs.Distinct().Count());
    }

    [Fact]
    public void OptionDefinitions_KeepTheOriginalSpellings()
    {
        string[] expected =
        [
            "-l/--listen", "-L/--listen-fd", "-S/--preaccepted-fd", "-c/--connect", "-C/--connect-fd",
            "-f/--listen-netns-file", "-F/--listen-netns-fd", "-t/--connect-netns-file", "-T/--connect-netns-fd",
        ];

        Assert.Equal(expected, OptionDefinitions.All.Take(9).Select(o => o.Spellings));
    }
}
