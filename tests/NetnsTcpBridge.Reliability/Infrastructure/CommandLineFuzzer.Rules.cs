using System.Globalization;

namespace NetnsTcpBridge.Reliability.Infrastructure;

// Named forwards: --rule values and --config files, well-formed with one defect (exit 2) or
// well-formed and unusable at run time (exit 1). Every generated rule names a netns that cannot
// be used, so that a rule that parses still cannot start a bridge.
public sealed partial class CommandLineFuzzer
{
    /// <summary>A command line of rules (and maybe a --config file) with exactly one defect.</summary>
    private FuzzCase RuleUsage(int number)
    {
        var rules = RuleTemplate(out var options);
        string defect;
        var rule = rules[_random.Next(rules.Count)];
        switch (_random.Next(20))
        {
            case 0:
                rule.Insert(_random.Next(rule.Count + 1), (Pick(BadRuleItems), null));
                defect = "rule item without key=value";
                break;
            case 1:
                rule.Add((Pick(UnknownRuleKeys), "1"));
                defect = "unknown rule key";
                break;
            case 2:
                var repeated = Pick(rule.Where(p => p.Key != "name").ToList());
                rule.Insert(_random.Next(rule.Count + 1), (repeated.Key, repeated.Value));
                defect = "rule key given twice";
                break;
            case 3:
                string required = Pick(["listen", "connect"]);
                rule.RemoveAll(p => p.Key == required);
                defect = $"rule without {required}";
                break;
            case 4:
                SetPair(rule, "name", Pick(BadRuleNames));
                defect = "bad rule name";
                break;
            case 5:
                var twin = GoodRule(rules.Count + 1);
                SetPair(rule, "name", "twin");
                SetPair(twin, "name", "twin");
                rules.Insert(_random.Next(rules.Count + 1), twin);
                defect = "rule name used twice";
                break;
            case 6:
                SetPair(rule, "listen", Pick(InRule([.. BadAddresses, .. BadListenOnly, .. BadUnix, "127.0.0.1:0", "[::1]:0"])));
                defect = "bad rule listen address";
                break;
            case 7:
                SetPair(rule, "connect", Pick(InRule([.. BadAddresses, .. BadConnectOnly, .. BadUnix])));
                defect = "bad rule connect address";
                break;
            case 8:
                rule.RemoveAll(p => p.Key is "listen-netns" or "connect-netns");
                rule.Add((Pick(["listen-netns", "connect-netns"]), Pick(InRule(BadNetnsSpecs))));
                defect = "bad rule netns";
                break;
            case 9:
                SetPair(rule, "unix-mode", Pick(InRule(BadModes)));
                defect = "bad rule unix-mode";
                break;
            case 10:
                SetPair(rule, Pick(["dual-stack", "accept-proxy"]), Pick(BadRuleYesNo));
                defect = "bad rule yes/no";
                break;
            case 11:
                SetPair(rule, "proxy-protocol", Pick(BadRuleProxyVersions));
                defect = "bad rule proxy-protocol";
                break;
            case 12:
                SetPair(rule, "unix-owner", Pick(["nobody", ":nogroup", "root"]));
                defect = "rule unix-owner without listen=unix:/path";
                break;
            case 13:
                Insert(options, Pick<(string, string?)>(
                [
                    ("listen", "127.0.0.1:8000"), ("connect", "127.0.0.1:9000"), ("listen-fd", "3"), ("preaccepted-fd", "3"), ("connect-fd", "4"),
                    ("listen-netns-file", "/nonexistent-ntbr/x"), ("connect-netns-fd", "4"), ("listen-netns", "ntbr-absent-fuzz"), ("connect-netns", "pid:2147483647"),
                ]));
                defect = "rules with an option of the single forward";
                break;
            case 14 or >= 18:
                Set(options, "config", Pick([.. _configFiles.Malformed, .. UnreadableConfigPaths]));
                defect = "malformed or unreadable --config file";
                break;
            case 15:
                var (option, bad) = Pick<(string, string[])>(
                [
                    ("backlog", BadBacklogs), ("log-format", BadLogFormats), ("dual-stack", BadYesNo), ("idle-timeout", BadSeconds),
                    ("max-connections-per-source", [.. BadCounts, "0", "10000001"]), ("unix-mode", BadModes), ("proxy-protocol", BadProxyVersions),
                ]);
                Set(options, option, Pick(bad));
                defect = $"bad --{option} with rules";
                break;
            case 16:
                Insert(options, ("unix-owner", Pick(["nobody", ":nogroup"])));
                defect = "--unix-owner with no rule on a socket file";
                break;
            default:
                // No rule and no option accepts a PROXY header (the usable config files leave it to --accept-proxy).
                options.RemoveAll(o => o.Name is "accept-proxy" or "accept-proxy-timeout");
                rules.ForEach(r => r.RemoveAll(p => p.Key == "accept-proxy"));
                Insert(options, ("accept-proxy-timeout", Pick(["1", "5", "0.5"])));
                defect = "--accept-proxy-timeout with no rule accepting a PROXY header";
                break;
        }

        foreach (var pairs in rules)
        {
            Insert(options, ("rule", RenderRule(pairs)));
        }

        return new FuzzCase(number, "usage: " + defect, Render(options), 2);
    }

    /// <summary>Well-formed rules (and maybe a --config file) whose netns cannot be used.</summary>
    private FuzzCase RuleRuntime(int number)
    {
        var rules = RuleTemplate(out var options);
        if (!options.Any(o => o.Name == "config") && _random.Next(3) == 0)
        {
            // The config file alone.
            rules.Clear();
            options.Add(("config", Pick(_configFiles.Usable)));
        }

        if (!AnyRuleAcceptsProxyHeader(rules, options))
        {
            // A timeout for headers no rule reads is refused (exit 2), e.g. --accept-proxy with every rule saying accept-proxy=no.
            options.RemoveAll(o => o.Name == "accept-proxy-timeout");
        }

        foreach (var pairs in rules)
        {
            Insert(options, ("rule", RenderRule(pairs)));
        }

        return new FuzzCase(number, "runtime: rules with an unusable namespace", Render(options), 1);
    }

    /// <summary>One to three good rules, returned apart so that a defect can be put in; options holds the rest (maybe --config) and decorations.</summary>
    private List<List<(string Key, string? Value)>> RuleTemplate(out List<(string Name, string? Value)> options)
    {
        options = [];
        var rules = Enumerable.Range(1, _random.Next(1, 4)).Select(GoodRule).ToList();
        if (_random.Next(4) == 0)
        {
            options.Add(("config", Pick(_configFiles.Usable)));
        }

        AddDecorations(options, verbose: true, backlogApplies: true);
        return rules;
    }

    private List<(string Key, string? Value)> GoodRule(int index)
    {
        var pairs = new List<(string Key, string? Value)>
        {
            ("listen", Pick(GoodRuleListen)),
            ("connect", Pick(GoodConnect)),
            (Pick(["listen-netns", "connect-netns"]), Pick(RuntimeBadNetnsSpecs)),
        };
        if (_random.Next(4) != 0)
        {
            pairs.Add(("name", string.Create(CultureInfo.InvariantCulture, $"r{index}")));
        }

        // No unix-mode: these rules listen on TCP, where it is a usage error (and a socket file
        // here would make the --unix-owner mutations valid).

        if (_random.Next(4) == 0)
        {
            pairs.Add(("dual-stack", Pick(["yes", "no", "Yes", "NO"])));
        }

        if (_random.Next(4) == 0)
        {
            pairs.Add(("proxy-protocol", Pick(["v1", "v2", "none"])));
        }

        if (_random.Next(4) == 0)
        {
            pairs.Add(("accept-proxy", Pick(["yes", "no", "No"])));
        }

        Shuffle(pairs);
        return pairs;
    }

    /// <summary>key=value items joined by commas, sometimes with spaces around them (the parser trims each key and value).</summary>
    private string RenderRule(List<(string Key, string? Value)> pairs) =>
        string.Join(Pick([",", ", ", " ,"]), pairs.Select(p => p.Value is null ? p.Key : _random.Next(5) == 0 ? $" {p.Key} = {p.Value} " : $"{p.Key}={p.Value}"));

    /// <summary>As the bridge decides it: a rule's own accept-proxy key (any case), else --accept-proxy; config files' rules have no such key.</summary>
    private static bool AnyRuleAcceptsProxyHeader(List<List<(string Key, string? Value)>> rules, List<(string Name, string? Value)> options)
    {
        bool byDefault = options.Any(o => o.Name == "accept-proxy");
        bool Accepts(List<(string Key, string? Value)> pairs) =>
            pairs.FirstOrDefault(p => p.Key == "accept-proxy") is { Key: not null } own ? string.Equals(own.Value, "yes", StringComparison.OrdinalIgnoreCase) : byDefault;
        return rules.Any(Accepts) || (byDefault && options.Any(o => o.Name == "config"));
    }

    private static void SetPair(List<(string Key, string? Value)> pairs, string key, string value)
    {
        int index = pairs.FindIndex(p => p.Key == key);
        if (index >= 0)
        {
            pairs[index] = (key, value);
        }
        else
        {
            pairs.Add((key, value));
        }
    }
}
