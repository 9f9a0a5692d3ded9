using System.Globalization;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
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
            new ListenSource.Address(ParseAddress(listen, allowPortZero: false)),
            ParseTarget(connect),
            seen.TryGetValue("listen-netns", out var listenNetns) ? NamespaceSpec.Parse(listenNetns.Value, Describe(listenNetns)) : null,
            seen.TryGetValue("connect-netns", out var connectNetns) ? NamespaceSpec.Parse(connectNetns.Value, Describe(connectNetns)) : null)
        {
            UnixSocketMode = seen.TryGetValue("unix-mode", out var mode) ? ParseMode(mode) : defaultUnixMode,
            DualStack = seen.TryGetValue("dual-stack", out var dualStack) ? ParseYesNo(dualStack) : defaultDualStack,
            SendProxyHeader = seen.TryGetValue("proxy-protocol", out var proxy) ? ParseProxyProtocol(proxy) : defaultProxyProtocol,
            AcceptProxyHeader = seen.TryGetValue("accept-proxy", out var accept) ? ParseYesNo(accept) : defaultAcceptProxy,
        };
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

    private static System.Net.EndPoint ParseAddress(Pair pair, bool allowPortZero)
    {
        if (UnixAddress.IsUnix(pair.Value))
        {
            return UnixAddress.TryParse(pair.Value, out var unix, out string? unixError)
                ? unix
                : throw new UsageException($"{Describe(pair)}: invalid UNIX socket address '{pair.Value}': {unixError}");
        }

        return TcpAddress.TryParse(pair.Value, allowPortZero, out var endpoint, out string? error)
            ? endpoint
            : throw new UsageException($"{Describe(pair)}: invalid address '{pair.Value}': {error}; expected {TcpAddress.Syntax}, or unix:/path or unix:@name");
    }

    private static ConnectTarget ParseTarget(Pair pair) =>
        HostName.TryParse(pair.Value, out string? host, out int port)
            ? new ConnectTarget.HostName(host, port)
            : new ConnectTarget.Address(ParseAddress(pair, allowPortZero: false));

    private static UnixFileMode ParseMode(Pair pair) =>
        pair.Value.Length is >= 1 and <= 4 && pair.Value.All(c => c is >= '0' and <= '7')
            ? (UnixFileMode)Convert.ToInt32(pair.Value, 8)
            : throw new UsageException($"{Describe(pair)}: invalid file mode '{pair.Value}': expected octal such as 660 or 0600");

    private static ProxyProtocolVersion ParseProxyProtocol(Pair pair) => pair.Value switch
    {
        "v1" => ProxyProtocolVersion.V1,
        "v2" => ProxyProtocolVersion.V2,
        "none" => ProxyProtocolVersion.None,
        _ => throw new UsageException($"{Describe(pair)}: invalid value '{pair.Value}': expected v1, v2 or none"),
    };

    private static bool ParseYesNo(Pair pair) => pair.Value.ToLower(CultureInfo.InvariantCulture) switch
    {
        "yes" => true,
        "no" => false,
        _ => throw new UsageException($"{Describe(pair)}: invalid value '{pair.Value}': expected yes or no"),
    };
}
