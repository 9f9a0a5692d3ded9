using System.Globalization;
using NetnsTcpBridge.Bridge;
using static NetnsTcpBridge.Cli.CommandLine.OptionDefinitions;

namespace NetnsTcpBridge.Cli.CommandLine;

// Named forwards (--rule, --config) in place of the single forward of -l/-c; each rule's keys are read by RuleParser.
internal static partial class CommandLineParser
{
    /// <summary>--unix-mode, --unix-owner, --dual-stack and the PROXY options: the single forward's, or every rule's defaults.</summary>
    private static RuleDefaults ParseRuleDefaults(Dictionary<OptionDefinition, string?> values) => new(
        UnixMode: values.TryGetValue(UnixMode, out string? mode) ? ParseMode(mode!) : null,
        UnixOwner: values.TryGetValue(UnixOwner, out string? owner) ? ParseOwner(owner!, UnixOwner.Spellings) : null,
        DualStack: values.TryGetValue(DualStack, out string? dualStack) ? ParseYesNo(dualStack!, DualStack) : null,
        ProxyProtocol: ParseProxyProtocolVersion(values),
        AcceptProxy: values.ContainsKey(AcceptProxy),
        AcceptProxyFrom: ParseTrustedProxies(values));

    /// <summary>Named forwards: the sections of --config, then each --rule, in order.</summary>
    private static BridgeSettings RuleSettings(Dictionary<OptionDefinition, string?> values, List<string> ruleValues, RuleDefaults defaults)
    {
        var single = new[] { Listen, ListenFd, PreacceptedFd, Connect, ConnectFd, ListenNetnsFile, ListenNetnsFd, ConnectNetnsFile, ConnectNetnsFd, ListenNetns, ConnectNetns };
        if (single.FirstOrDefault(values.ContainsKey) is { } conflicting)
        {
            throw new UsageException($"{conflicting.Spellings} cannot be combined with {Rule.Spellings} or {Config.Spellings}: write that forward as a rule too");
        }

        var rules = new List<ForwardRule>();
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(ForwardRule rule, string where)
        {
            if (!origins.TryAdd(rule.Name!, where))
            {
                throw new UsageException($"{where}: rule name '{rule.Name}' is used twice (first at {origins[rule.Name!]})");
            }

            rules.Add(rule);
        }

        if (values.TryGetValue(Config, out string? path))
        {
            foreach (var section in ConfigFile.Read(path!))
            {
                Add(RuleParser.Build(section.Name, section.Pairs, section.Where, defaults), section.Where);
            }
        }

        for (int i = 0; i < ruleValues.Count; i++)
        {
            string where = $"{Rule.Spellings} #{i + 1}";
            var pairs = SplitRuleValue(ruleValues[i], where, out string? name);

            // Unnamed rules are numbered by their place among all rules, so that log lines still say which.
            name ??= string.Create(CultureInfo.InvariantCulture, $"rule{rules.Count + 1}");
            Add(RuleParser.Build(name, pairs, where, defaults), where);
        }

        return new BridgeSettings(rules);
    }

    /// <summary>The key=value pairs of one --rule value, but for its name, which is checked and returned apart.</summary>
    private static List<RuleParser.Pair> SplitRuleValue(string text, string where, out string? name)
    {
        var pairs = new List<RuleParser.Pair>();
        name = null;
        foreach (string item in text.Split(','))
        {
            int equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"{where}: expected key=value pairs separated by commas, got '{item}' in '{text}'");
            }

            string key = item[..equals].Trim();
            string value = item[(equals + 1)..].Trim();
            if (key == "name")
            {
                name = RuleParser.IsValidName(value) ? value : throw new UsageException($"{where}: invalid rule name '{value}': expected {RuleParser.NameSyntax}");
            }
            else
            {
                pairs.Add(new RuleParser.Pair(key, value, where, ShowValue: true)); // on the command line: public anyway
            }
        }

        return pairs;
    }
}
