namespace NetnsTcpBridge.Reliability.Infrastructure;

// The good and bad values the fuzzer draws from, option by option.
public sealed partial class CommandLineFuzzer
{
    private static readonly string[] GoodListen = ["127.0.0.1:8000", "[::1]:8000", "127.0.0.1:0", "0.0.0.0:65535"];
    private static readonly string[] GoodConnect = ["127.0.0.1:9000", "[::1]:9", "10.1.2.3:80", "255.255.255.255:1"];

    private static readonly string[] BadAddresses =
    [
        "127.0.0.1", "127.0.0.1:", ":8000", "127.0.0.1:65536", "127.0.0.1:-1", "127.1:8000", "010.0.0.1:8000", "::1:8000",
        "[::1]8000", "[::1", "[127.0.0.1]:8000", "1.2.3.4.5:6", "256.0.0.1:80", "127.0.0.1:80x", "",
        " 127.0.0.1:8000", "127.0.0.1:8000 ", "0x7f.0.0.1:80", "\u0661\u0662\u0667.0.0.1:80", "127.0.0.1:\uFF18\uFF10", "[::1]:",
        "[]:80", "[::1]:99999", "*:80", "127.0.0.1:+80", "127.0.0.1:8000\n", "127.0.0.1:99999999999999999999", "[::1]:80:80",
        "1.2.3:4", "-1.2.3.4:5", "127.0.0.1:\uDCff", "[[::1]]:80",
    ];

    /// <summary>Bad for -l only: host names are accepted by -c, not by -l.</summary>
    private static readonly string[] BadListenOnly = ["localhost:8000", "example.com:80"];

    /// <summary>Bad for -c only: neither an address nor a host name (RFC 1123 labels), or port 0.</summary>
    private static readonly string[] BadConnectOnly =
    [
        "127.0.0.1:0", "[::1]:0", "host_name:80", "-bad.example:80", "bad-.example:80", "a..b:80", "ex ample:80", "x:0", "x:65536",
        new string('a', 64) + ".example:80", "höst:80",
    ];

    /// <summary>UNIX socket addresses the parser must refuse (never a valid one: a valid listening path would create a file).</summary>
    private static readonly string[] BadUnix = ["unix:", "unix:@", "unix:relative.sock", "unix:" + "/" + new string('p', 120)];

    private static readonly string[] BadModes = ["8", "9", "abc", "", "-1", "0x1f", "77777", "６６０", " 660", "6 6"];
    private static readonly string[] BadNetnsSpecs = ["", ".", "..", "pid:", "pid:0", "pid:abc", "pid:-1", "pid:99999999999", "pid: 1"];

    /// <summary>--user values to refuse: unknown, root, group root, malformed, a bare id with no entry (Debian's user database).</summary>
    private static readonly string[] BadUsers =
    [
        "ntbr-no-such-user", "root", "0", "0:0", "nobody:", ":nogroup", "", ":", "nobody:ntbr-no-such-group", "4294967295", "54321", "no\nbody", "nobody:4294967295", "nobody:root", "nobody:0",
    ];

    private static readonly string[] BadMetrics = ["unix:/run/ntbr.sock", "localhost:9464", "127.0.0.1", "127.0.0.1:65536", "", "[::1]", "unix:@m"];

    private static readonly string[] BadSeconds = ["0", "0.0001", "86400.5", "-1", "1e3", "NaN", "Infinity", " 1", "1,5", "", "0x10", "\u0661", "1.2.3", "99999999999999999999999999"];
    private static readonly string[] BadCounts = ["-1", "abc", "", "1.5", "99999999999", " 2", "2 ", "+2", "0x2", "\u0662"];
    private static readonly string[] BadDescriptors = ["-1", "abc", "", "3.0", "99999999999", "+3", " 3", "\u0663", "3a", "0x3"];
    private static readonly string[] BadProxyVersions = ["V1", "1", "2", "v3", "v0", "", "none", " v1", "v1,v2", "PROXY"];
    private static readonly string[] BadCopy = ["SPLICE", "Splice", "splice ", "", "zero-copy", "buffer", "splice,buffered", "\uDCe9"];
    private static readonly string[] UnknownOptions =
    [
        "--frobnicate", "-x", "--listen-", "---l", "--LISTEN", "-Z", "--", "-", "--=", "--verbose-", "--copy-", "-\u00e9", "--\u00fcnknown",
        "--\n", "-\t", "-vq", "--connector-part", "--listen-netns-files", "-1", "--threads-", "--keep-alive", "--quiet-",
    ];

    private static readonly string[] RuntimeBadPaths =
    [
        "/nonexistent-ntbr/netns", "/run/netns/ntbr-absent-fuzz", "/dev/null", "/", "/etc/hostname", "/proc/self/ns/mnt", "/proc/self/ns/uts",
        "relative-ntbr-missing", "/proc/self/fd/1", "/nonexistent-ntbr/\u00e9\n", "/nonexistent-ntbr/\uDCff",
    ];

    private static readonly string[] RuntimeBadDescriptors = ["0", "1", "2", "3", "42", "999", "1048575", "2147483647"];

    /// <summary>Well-formed --listen-netns/--connect-netns values naming nothing usable (never pid:1 or another live process).</summary>
    private static readonly string[] RuntimeBadNetnsSpecs = ["ntbr-absent-fuzz", "pid:2147483647", "/nonexistent-ntbr/ns", "/dev/null", "noéxist"];

    private static readonly string[] BadLogFormats = ["JSON", "Text", "", "xml", " json", "json ", "text,json", "plain", "\uDCff"];

    /// <summary>Refused by the options' yes|no (lower case only).</summary>
    private static readonly string[] BadYesNo = ["YES", "No", "true", "1", "", "y", "yes ", "on", "nein"];

    /// <summary>Refused by a rule's yes|no, which takes any case.</summary>
    private static readonly string[] BadRuleYesNo = ["true", "1", "", "y", "on", "nein", "yes no"];

    /// <summary>Refused by a rule's proxy-protocol, which also takes none.</summary>
    private static readonly string[] BadRuleProxyVersions = ["V1", "1", "2", "v3", "v0", "NONE", "", "PROXY"];

    private static readonly string[] BadBacklogs = [.. BadCounts, "0", "65536", "4294967296"];

    private static readonly string[] BadRuleNames = ["", "a b", "a/b", "\u00e4", new string('n', 65), "a:b", "[x]", "\uDCff", "a;b"];

    /// <summary>A rule's listen (no port 0 there, unlike -l).</summary>
    private static readonly string[] GoodRuleListen = ["127.0.0.1:8000", "[::1]:8001", "0.0.0.0:65535", "127.0.0.2:8002"];

    private static readonly string[] UnknownRuleKeys = ["frobnicate", "Listen", "listen_netns", "netns", "timeout", "idle-timeout", "backlog", "rule", "LISTEN"];

    /// <summary>Items of a --rule value that are no key=value pair.</summary>
    private static readonly string[] BadRuleItems = ["oops", "", "=x", " ", "listen", "==", "name"];

    /// <summary>Names of --config files that cannot be read as one (never a FIFO or an endless device, which would hang the read).</summary>
    private static readonly string[] UnreadableConfigPaths = ["/nonexistent-ntbr/rules.conf", "/", "/dev/null", "", "relative-ntbr-missing.conf", "/proc/self/ns/net"];

    /// <summary>A value as a rule can carry it: one item (no comma) that trimming leaves unchanged (" 660" would become a good "660").</summary>
    private static string[] InRule(IEnumerable<string> values) => [.. values.Where(v => !v.Contains(',', StringComparison.Ordinal) && v == v.Trim())];
}
