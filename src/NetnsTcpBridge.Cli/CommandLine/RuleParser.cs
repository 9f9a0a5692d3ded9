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
/// <remarks>
/// A config file's values are never quoted in a message, only its keys: errors go to stderr and
/// the journal, and the file may hold what must not (a secret next to a rule, or the wrong file
/// given, such as one of passwords). A <c>--rule</c> value is quoted like any option's: the
/// command line is visible to every user anyway.
/// </remarks>
internal static class RuleParser
{
    /// <summary>The keys a rule knows, for help and messages.</summary>
    public static readonly IReadOnlyList<string> Keys = ["listen", "connect", "listen-netns", "connect-netns", "unix-mode", "unix-owner", "dual-stack", "proxy-protocol", "accept-proxy", "accept-proxy-from"];

    /// <summary>One key = value pair and where it was written, e.g. "rules.conf:7".</summary>
    /// <param name="ShowValue">Whether messages may quote the value: true on the command line, false in a config file.</param>
    public readonly record struct Pair(string Key, string Value, string Where, bool ShowValue);

    /// <param name="where">Where the rule as a whole was written, for a missing key.</param>
    /// <param name="defaults">The command line's per-forward options, for what the rule does not set itself.</param>
    public static ForwardRule Build(string name, IReadOnlyList<Pair> pairs, string where, RuleDefaults defaults)
    {
        var seen = new Dictionary<string, Pair>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            if (!Keys.Contains(pair.Key))
            {
                string key = pair.ShowValue || LooksLikeKey(pair.Key) ? $"key '{pair.Key}'" : "key (not shown: it is not spelled like one)";
                throw new UsageException($"{pair.Where}: unknown {key} in rule '{name}'; known keys: {string.Join(", ", Keys)}");
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
        var protocol = ParseProtocol(name, listen, connect, seen);
        bool udp = protocol == ForwardProtocol.Udp;
        var rule = new ForwardRule(
            name,
            new ListenSource.Address(udp ? ParseUdpListenAddress(listen) : ParseListenAddress(listen)),
            udp ? ParseUdpTarget(connect) : ParseTarget(connect),
            seen.TryGetValue("listen-netns", out var listenNetns) ? ParseNamespace(listenNetns) : null,
            seen.TryGetValue("connect-netns", out var connectNetns) ? ParseNamespace(connectNetns) : null)
        {
            Protocol = protocol,
            UnixSocketMode = seen.TryGetValue("unix-mode", out var mode) ? ParseMode(mode) : null,
            DualStack = seen.TryGetValue("dual-stack", out var dualStack) ? ParseYesNo(dualStack) : null,
            SendProxyHeader = seen.TryGetValue("proxy-protocol", out var proxy) ? ParseProxyProtocol(proxy) : ProxyProtocolVersion.None,
            AcceptProxyHeader = seen.TryGetValue("accept-proxy", out var accept) && ParseYesNo(accept),
        };
        if (seen.ContainsKey("unix-mode") && !rule.ListensOnSocketFile)
        {
            throw new UsageException($"{Describe(mode)}: unix-mode sets the mode of a socket file: rule '{name}' needs listen=unix:/path");
        }

        if (seen.TryGetValue("unix-owner", out var owner))
        {
            rule = rule.ListensOnSocketFile
                ? rule with { UnixSocketOwner = ParseOwner(owner) }
                : throw new UsageException($"{Describe(owner)}: unix-owner sets the owner of a socket file: rule '{name}' needs listen=unix:/path");
        }

        // After the defaults: --accept-proxy makes a rule read a header as its own key does.
        rule = defaults.FillIn(rule, seen.Keys.ToHashSet(StringComparer.Ordinal));
        if (seen.TryGetValue("accept-proxy-from", out var from))
        {
            rule = !rule.AcceptProxyHeader
                ? throw new UsageException($"{Describe(from)}: accept-proxy-from says whose PROXY header to believe, but rule '{name}' reads none: add accept-proxy = yes")
                : rule.ListensOnUnixSocket
                    ? throw new UsageException($"{Describe(from)}: accept-proxy-from names IP prefixes, but rule '{name}' listens on a UNIX socket, whose peers have no IP address: leave it out and restrict the socket with unix-mode and unix-owner")
                    : rule with { AcceptProxyFrom = ParseTrustedProxies(from) };
        }

        return rule;
    }

    /// <summary>Names are shown in brackets on log lines and travel in key=value records: keep them plain.</summary>
    public static bool IsValidName(string name) =>
        name.Length is >= 1 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public const string NameSyntax = "1 to 64 letters, digits, '-', '_' or '.'";

    /// <summary>
    /// Whether a config file's key may be quoted: spelled as keys are (lower-case letters, digits
    /// and '-', at most 32), so that what precedes the '=' of a line that is no rule at all (a
    /// base64 secret's padding, say) is not.
    /// </summary>
    public static bool LooksLikeKey(string key) =>
        key.Length is >= 1 and <= 32 && key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static string Describe(Pair pair) => $"{pair.Where}: key {pair.Key}";

    /// <summary>The keys that only a TCP rule has a use for.</summary>
    private static readonly string[] TcpOnlyKeys = ["unix-mode", "unix-owner", "proxy-protocol", "accept-proxy", "accept-proxy-from"];

    // UDP when listen and connect are both udp: addresses; one without the other is refused, and so
    // are keys that mean nothing for datagrams. Only keys are named: a config file's values are not shown.
    private static ForwardProtocol ParseProtocol(string name, Pair listen, Pair connect, Dictionary<string, Pair> seen)
    {
        bool udpListen = UdpAddress.IsUdp(listen.Value);
        bool udpConnect = UdpAddress.IsUdp(connect.Value);
        if (udpListen != udpConnect)
        {
            var (udp, other) = udpListen ? (listen, connect) : (connect, listen);
            throw new UsageException($"{Describe(udp)}: rule '{name}' has a UDP {udp.Key} address but a TCP {other.Key} one: write both as udp:IP:PORT (a UDP forward), or neither");
        }

        if (udpListen && TcpOnlyKeys.FirstOrDefault(seen.ContainsKey) is { } tcpOnly)
        {
            throw new UsageException($"{Describe(seen[tcpOnly])}: {tcpOnly} applies to TCP rules, and rule '{name}' is a UDP one");
        }

        return udpListen ? ForwardProtocol.Udp : ForwardProtocol.Tcp;
    }

    private static System.Net.EndPoint ParseUdpListenAddress(Pair pair) =>
        CommandLineParser.TryParseUdpEndpoint(pair.Value, allowPortZero: false, out var endpoint, out string what, out string why)
            ? endpoint
            : throw Invalid(pair, what, why, UdpAddress.Syntax);

    private static ConnectTarget ParseUdpTarget(Pair pair) =>
        CommandLineParser.TryParseUdpTarget(pair.Value, out var target, out string what, out string why)
            ? target
            : throw Invalid(pair, what, why, $"udp:HOST:PORT or {UdpAddress.Syntax}");

    // The syntax of each value is the option's (CommandLineParser.Values); the messages name the key.
    private static System.Net.EndPoint ParseListenAddress(Pair pair) =>
        CommandLineParser.TryParseEndpoint(pair.Value, allowPortZero: false, out var endpoint, out string what, out string why)
            ? endpoint
            : throw Invalid(pair, what, why, $"{TcpAddress.Syntax}, or unix:/path or unix:@name");

    private static ConnectTarget ParseTarget(Pair pair) =>
        CommandLineParser.TryParseTarget(pair.Value, out var target, out string what, out string why)
            ? target
            : throw Invalid(pair, what, why, $"HOST:PORT, {TcpAddress.Syntax}, or unix:/path or unix:@name");

    private static UnixFileMode ParseMode(Pair pair) =>
        CommandLineParser.TryParseFileMode(pair.Value, out var mode)
            ? mode
            : throw Invalid(pair, "file mode", "expected octal such as 660 or 0600", "octal such as 660 or 0600");

    private static NamespaceReference ParseNamespace(Pair pair) =>
        NamespaceSpec.TryParse(pair.Value, out var reference, out string? expected)
            ? reference
            : throw Invalid(pair, "value", expected, "an `ip netns` name, pid:PID[@STARTTIME], or a path, optionally followed by =net:[INODE]");

    // The lookup's own message names the user or group it did not find: part of the value.
    private static FileOwner ParseOwner(Pair pair) =>
        UserDatabase.TryResolveOwner(pair.Value, out var owner, out string? error)
            ? owner
            : throw Invalid(pair, "value", error, "USER, USER:GROUP or :GROUP of an existing user and group (names or numeric ids)");

    private static TrustedProxies ParseTrustedProxies(Pair pair) =>
        TrustedProxies.TryParse(pair.Value, out var trusted, out string? error)
            ? trusted
            : throw Invalid(pair, "value", error, $"{AddressPrefix.Syntax}, several separated by commas or spaces (spaces in a --rule value)");

    private static ProxyProtocolVersion ParseProxyProtocol(Pair pair) =>
        pair.Value == "none" ? ProxyProtocolVersion.None
        : Words.ProxyProtocol.TryParse(pair.Value, out var version) ? version
        : throw Invalid(pair, "value", "expected v1, v2 or none", "v1, v2 or none");

    // A rule takes yes or no in any case (Yes, NO); the options take lower case only.
    private static bool ParseYesNo(Pair pair) =>
        CommandLineParser.TryParseYesNo(pair.Value.ToLower(CultureInfo.InvariantCulture), out bool value)
            ? value
            : throw Invalid(pair, "value", "expected yes or no", "yes or no");

    /// <param name="what">What the value is not, e.g. "address", "file mode".</param>
    /// <param name="why">What is wrong with it; may quote parts of it, so only for a value that may be shown.</param>
    /// <param name="expected">The syntax, without any part of the value.</param>
    private static UsageException Invalid(Pair pair, string what, string why, string expected) =>
        new(pair.ShowValue
            ? $"{Describe(pair)}: invalid {what} '{pair.Value}': {why}"
            : $"{Describe(pair)}: invalid {what} (a config file's values are not shown); expected {expected}");
}
