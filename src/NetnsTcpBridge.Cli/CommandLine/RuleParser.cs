using System.Globalization;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.ProxyProtocol;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>
/// Builds a <see cref="ForwardRule"/> from <c>key = value</c> pairs, the same keys in a
/// <c>--rule</c> value and in a <c>--config</c> section. Every message says where the pair was
/// written (the rule option or the file and line), what is wrong, and what is expected.
/// </summary>
internal static class RuleParser
{
    /// <summary>The keys a rule knows, for help and messages.</summary>
    public static readonly IReadOnlyList<string> Keys = ["listen", "connect", "listen-netns", "connect-netns", "unix-mode", "unix-owner", "dual-stack", "proxy-protocol", "accept-proxy"];

    /// <summary>One key = value pair and where it was written, e.g. "rules.conf:7".</summary>
    public readonly record struct Pair(string Key, string Value, string Where);

    /// <param name="where">Where the rule as a whole was written, for a missing key.</param>
    /// <param name="defaultProxyProtocol">--proxy-protocol, for a rule without its own proxy-protocol key.</param>
    /// <param name="defaultAcceptProxy">--accept-proxy, for a rule without its own accept-proxy key.</param>
    /// <param name="defaultUnixOwner">--unix-owner: for the rules that listen on a socket file and do not set their own.</param>
    public static ForwardRule Build(string name, IReadOnlyList<Pair> pairs, string where, UnixFileMode? defaultUnixMode, bool? defaultDualStack,
        ProxyProtocolVersion defaultProxyProtocol = ProxyProtocolVersion.None, bool defaultAcceptProxy = false, FileOwner? defaultUnixOwner = null)
    {
        var seen = new Dictionary<string, Pair>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            if (!Keys.Contains(pair.Key))
            {
                throw new UsageException($"{pair.Where}: unknown key '{pair.Key}' in rule '{name}'; known keys: {string.Join(", ", Keys)}");
            }

            if (!seen.TryAdd(pair.Key, pair))
            {
                throw new UsageException($"{pair.Where}: key '{pair.Key}' given twice in rule '{name}' (first at {seen[pair.Key].Where})");
            }
        }

        Pair Required(string key) => seen.TryGetValue(key, out var pair)
            ? pair
            : throw new UsageException($"{where}: rule '{name}' has no '{key}'; a rule needs listen and connect");

        var listen = Required("listen");
        var connect = Required("connect");
        var rule = new ForwardRule(
            name,
            new ListenSource.Address(ParseListenAddress(listen)),
            ParseTarget(connect),
            seen.TryGetValue("listen-netns", out var listenNetns) ? NamespaceSpec.Parse(listenNetns.Value, Describe(listenNetns)) : null,
            seen.TryGetValue("connect-netns", out var connectNetns) ? NamespaceSpec.Parse(connectNetns.Value, Describe(connectNetns)) : null)
        {
            UnixSocketMode = seen.TryGetValue("unix-mode", out var mode) ? ParseMode(mode) : null,
            DualStack = seen.TryGetValue("dual-stack", out var dualStack) ? ParseYesNo(dualStack) : defaultDualStack,
            SendProxyHeader = seen.TryGetValue("proxy-protocol", out var proxy) ? ParseProxyProtocol(proxy) : defaultProxyProtocol,
            AcceptProxyHeader = seen.TryGetValue("accept-proxy", out var accept) ? ParseYesNo(accept) : defaultAcceptProxy,
        };
        if (rule.UnixSocketMode is not null && !rule.ListensOnSocketFile)
        {
            throw new UsageException($"{Describe(mode!)}: unix-mode sets the mode of a socket file: rule '{name}' needs listen=unix:/path");
        }

        if (rule.ListensOnSocketFile && rule.UnixSocketMode is null)
        {
            rule = rule with { UnixSocketMode = defaultUnixMode };
        }

        if (seen.TryGetValue("unix-owner", out var owner))
        {
            return rule.ListensOnSocketFile
                ? rule with { UnixSocketOwner = CommandLineParser.ParseOwner(owner.Value, Describe(owner)) }
                : throw new UsageException($"{Describe(owner)}: unix-owner sets the owner of a socket file: rule '{name}' needs listen=unix:/path");
        }

        return rule.ListensOnSocketFile ? rule with { UnixSocketOwner = defaultUnixOwner } : rule;
    }

    /// <summary>Names are shown in brackets on log lines and travel in key=value records: keep them plain.</summary>
    public static bool IsValidName(string name) =>
        name.Length is >= 1 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public const string NameSyntax = "1 to 64 letters, digits, '-', '_' or '.'";

    private static string Describe(Pair pair) => $"{pair.Where}: key {pair.Key}";

    // The syntax of each value is the option's (CommandLineParser.Values); the messages name the key.
    private static System.Net.EndPoint ParseListenAddress(Pair pair) =>
        CommandLineParser.TryParseEndpoint(pair.Value, allowPortZero: false, out var endpoint, out string what, out string why)
            ? endpoint
            : throw InvalidAddress(pair, what, why);

    private static ConnectTarget ParseTarget(Pair pair) =>
        CommandLineParser.TryParseTarget(pair.Value, out var target, out string what, out string why)
            ? target
            : throw InvalidAddress(pair, what, why);

    private static UsageException InvalidAddress(Pair pair, string what, string why) =>
        new($"{Describe(pair)}: invalid {what} '{pair.Value}': {why}");

    private static UnixFileMode ParseMode(Pair pair) =>
        CommandLineParser.TryParseFileMode(pair.Value, out var mode)
            ? mode
            : throw new UsageException($"{Describe(pair)}: invalid file mode '{pair.Value}': expected octal such as 660 or 0600");

    private static ProxyProtocolVersion ParseProxyProtocol(Pair pair) => pair.Value switch
    {
        "v1" => ProxyProtocolVersion.V1,
        "v2" => ProxyProtocolVersion.V2,
        "none" => ProxyProtocolVersion.None,
        _ => throw new UsageException($"{Describe(pair)}: invalid value '{pair.Value}': expected v1, v2 or none"),
    };

    // A rule takes yes or no in any case (Yes, NO); the options take lower case only.
    private static bool ParseYesNo(Pair pair) =>
        CommandLineParser.TryParseYesNo(pair.Value.ToLower(CultureInfo.InvariantCulture), out bool value)
            ? value
            : throw new UsageException($"{Describe(pair)}: invalid value '{pair.Value}': expected yes or no");
}
