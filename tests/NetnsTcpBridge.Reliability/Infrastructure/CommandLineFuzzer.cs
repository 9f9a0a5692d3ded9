using System.Text;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>One generated command line and the exit status it must produce (null: 1 or 2).</summary>
public sealed record FuzzCase(int Number, string Kind, IReadOnlyList<string> Arguments, int? ExpectedStatus)
{
    /// <summary>The arguments quoted and escaped, so that a failing case can be read and replayed.</summary>
    public string Show() => string.Join(' ', Arguments.Select(Quote));

    private static string Quote(string argument)
    {
        var text = new StringBuilder("'");
        foreach (char c in argument)
        {
            text.Append(c switch
            {
                '\'' => "\\'",
                '\\' => "\\\\",
                _ when c is >= '\uDC80' and <= '\uDCFF' => $"\\x{c - 0xDC00:x2}",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return text.Append('\'').ToString();
    }
}

/// <summary>
/// Generates hostile command lines that are invalid by construction, so that none may start a
/// bridge (exit 0 is always wrong):
/// <list type="bullet">
/// <item>"usage": a well-formed command line with exactly one defect the parser must refuse (a bad
/// address, number, descriptor or method; a duplicate, a conflict, a missing option or value; an
/// unknown option; a stray argument; a value given to a flag). Expected status 2.</item>
/// <item>"runtime": well-formed, but naming a namespace file or descriptor that cannot be used
/// (missing, not a namespace, not open, not a socket). Expected status 1.</item>
/// <item>"random": tokens of random characters (controls, non-UTF-8 bytes, very long). Status 1 or 2.</item>
/// </list>
/// No case ever holds -h/--help/--version (which would rightly exit 0) or a usable namespace
/// (only missing paths, non-namespace files and the descriptors 0-2 and unopened ones).
/// </summary>
public sealed class CommandLineFuzzer
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

    /// <summary>--user values to refuse: unknown, root, malformed, a bare id with no entry (Debian's user database).</summary>
    private static readonly string[] BadUsers =
    [
        "ntbr-no-such-user", "root", "0", "0:0", "nobody:", ":nogroup", "", ":", "nobody:ntbr-no-such-group", "4294967295", "54321", "no\nbody", "nobody:4294967295",
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

    private readonly Random _random;
    private int _number;

    public CommandLineFuzzer(int seed)
    {
        _random = new Random(seed);
    }

    public FuzzCase Next()
    {
        int number = _number++;
        int roll = _random.Next(100);
        return roll switch
        {
            < 55 => Usage(number),
            < 75 => Runtime(number),
            _ => RandomTokens(number),
        };
    }

    /// <summary>Cases worth running every time, whatever the seeds.</summary>
    public static IEnumerable<FuzzCase> Fixed()
    {
        yield return new FuzzCase(-1, "fixed", [], 2);
        yield return new FuzzCase(-3, "fixed", ["--connector-part", "-l", "127.0.0.1:1"], 2);
        yield return new FuzzCase(-4, "fixed", ["-l", new string('9', 100_000), "-c", "127.0.0.1:9"], 2);
        yield return new FuzzCase(-5, "fixed", ["-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000", "-f", "/nonexistent-ntbr/" + new string('x', 5000)], 1);
        yield return new FuzzCase(-6, "fixed", ["-l", "\uDCff\uDCfe:80", "-c", "127.0.0.1:9"], 2);
        yield return new FuzzCase(-7, "fixed", ["-h", "--bogus"], 2);
        yield return new FuzzCase(-8, "fixed", ["--version=1"], 2);
        yield return new FuzzCase(-9, "fixed", ["--help=yes"], 2);
        yield return new FuzzCase(-10, "fixed", [.. Enumerable.Repeat("-v", 5000)], 2);
        yield return new FuzzCase(-11, "fixed", ["-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000", "-F", "2147483647"], 1);
        yield return new FuzzCase(-12, "fixed", ["-L", "0", "-c", "127.0.0.1:9000"], 1);
        yield return new FuzzCase(-13, "fixed", ["-S", "1", "-c", "127.0.0.1:9000"], 1);
        yield return new FuzzCase(-14, "fixed", ["-S", "2", "-C", "1"], 1);
    }

    private FuzzCase Usage(int number)
    {
        var options = Template(out bool listenIsAddress, out bool connectIsAddress);
        string defect;
        switch (_random.Next(23))
        {
            case 19:
                Set(options, "user", Pick(BadUsers));
                defect = "bad user";
                break;
            case 20:
                Set(options, "metrics", Pick(BadMetrics));
                defect = "bad metrics address";
                break;
            case 21:
                options.RemoveAll(o => o.Name == "metrics");
                if (_random.Next(2) == 0)
                {
                    options.Add(("metrics", "127.0.0.1:0"));
                    options.Add(("metrics-netns", Pick(["", "both", "Listen", "listen ", "1"])));
                }
                else
                {
                    options.Add(("metrics-netns", Pick(["listen", "connect"])));
                }

                defect = "bad or lone --metrics-netns";
                break;
            case 22:
                // Never a netns named by PID in a template, and never a listening path socket.
                Insert(options, _random.Next(2) == 0 ? ("exit-with-netns-owner", null) : ("unix-owner", Pick(["nobody", ":nogroup", "0:0"])));
                defect = "--exit-with-netns-owner without a netns named by PID, or --unix-owner without a socket file";
                break;
            case 0 when listenIsAddress:
                Replace(options, "listen", Pick([.. BadAddresses, .. BadListenOnly, .. BadUnix, "127.0.0.1:0x1"]));
                defect = "bad listen address";
                break;
            case 1 when connectIsAddress:
                Replace(options, "connect", Pick([.. BadAddresses, .. BadConnectOnly, .. BadUnix]));
                defect = "bad connect address";
                break;
            case 13:
                Set(options, "unix-mode", Pick(BadModes));
                defect = "bad unix mode";
                break;
            case 14:
                Set(options, "max-connections", Pick([.. BadCounts, "0", "10000001"]));
                defect = "bad connection limit";
                break;
            case 15 when listenIsAddress:
                // A second way to name the listen netns, or a malformed one.
                options.RemoveAll(o => o.Name == "listen-netns-file");
                options.Add(("listen-netns", Pick(BadNetnsSpecs)));
                defect = "bad netns name";
                break;
            case 17:
                Set(options, "proxy-protocol", Pick(BadProxyVersions));
                defect = "bad PROXY protocol version";
                break;
            case 18:
                options.RemoveAll(o => o.Name == "accept-proxy");
                Set(options, "accept-proxy-timeout", Pick(["1", "5", "0.5"]));
                defect = "--accept-proxy-timeout without --accept-proxy";
                break;
            case 16:
                Insert(options, (Pick(["listen-netns", "connect-netns"]), Pick(RuntimeBadNetnsSpecs)));
                Insert(options, (Pick(["listen-netns-fd", "connect-netns-fd"]), "3"));
                if (!options.Any(o => o.Name == "listen"))
                {
                    options.Add(("listen-netns-file", "/nonexistent-ntbr/z"));
                }

                defect = "two ways to name a netns, or a netns with a descriptor source";
                break;
            case 2:
                Set(options, Pick(["connect-timeout", "keepalive", "drain-timeout"]), Pick(BadSeconds));
                defect = "bad seconds";
                break;
            case 3:
                Set(options, "threads", Pick([.. BadCounts, "0", "1025"]));
                defect = "bad thread count";
                break;
            case 4:
                Set(options, "pipe-size", Pick([.. BadCounts, "4095", "268435457", "1k"]));
                defect = "bad pipe size";
                break;
            case 5:
                Set(options, "copy", Pick(BadCopy));
                defect = "bad copy method";
                break;
            case 6:
                // A descriptor option with a value that is no number; conflicts do not matter then.
                var (name, _) = PickDescriptorOption();
                Insert(options, (name, Pick(BadDescriptors)));
                defect = "bad descriptor";
                break;
            case 7:
                var duplicate = options.Where(o => o.Value is not null).ToList();
                Insert(options, duplicate[_random.Next(duplicate.Count)]);
                defect = "duplicate option";
                break;
            case 8:
                Insert(options, Pick<(string, string?)>(Conflicts(options)));
                defect = "conflicting options";
                break;
            case 9:
                string required = _random.Next(2) == 0 ? "listen" : "connect";
                options.RemoveAll(o => required == "listen" ? o.Name is "listen" or "listen-fd" or "preaccepted-fd" : o.Name is "connect" or "connect-fd");
                defect = $"missing {required}";
                break;
            case 10:
                var (unknown, garbage) = (Pick(UnknownOptions), RandomText(12));
                var rendered = Render(options);
                rendered.Insert(_random.Next(rendered.Count + 1), _random.Next(3) == 0 ? garbage.TrimStart('-') + "x" : unknown);
                return new FuzzCase(number, "usage: unknown option or stray argument", rendered, 2);
            case 11:
                var tokens = Render(options);
                tokens.Add(Pick(["-l", "-c", "--listen", "--connect", "-f", "--connect-timeout", "--copy", "-T", "-lv"[..2]]));
                return new FuzzCase(number, "usage: value missing at the end", tokens, 2);
            default:
                var flagged = Render(options);
                flagged.Insert(_random.Next(flagged.Count + 1), Pick(["--verbose=1", "--help=x", "--version=", "--verbose=", "--quiet=1", "-vx"]));
                return new FuzzCase(number, "usage: flag with a value or bad flag group", flagged, 2);
        }

        return new FuzzCase(number, "usage: " + defect, Render(options), 2);
    }

    private FuzzCase Runtime(int number)
    {
        // Well-formed; one namespace file or descriptor that cannot be used.
        var options = new List<(string Name, string? Value)>();
        switch (_random.Next(5))
        {
            case 0:
                options.Add(("listen", Pick(GoodListen)));
                options.Add(("connect", Pick(GoodConnect)));
                options.Add((Pick(["listen-netns-file", "connect-netns-file"]), Pick(RuntimeBadPaths)));
                break;
            case 4:
                options.Add(("listen", Pick(GoodListen)));
                options.Add(("connect", Pick(GoodConnect)));
                options.Add((Pick(["listen-netns", "connect-netns"]), Pick(RuntimeBadNetnsSpecs)));
                break;
            case 1:
                options.Add(("listen", Pick(GoodListen)));
                options.Add(("connect", Pick(GoodConnect)));
                options.Add((Pick(["listen-netns-fd", "connect-netns-fd"]), Pick(RuntimeBadDescriptors)));
                break;
            case 2:
                options.Add((Pick(["listen-fd", "preaccepted-fd"]), Pick(RuntimeBadDescriptors)));
                options.Add(("connect", Pick(GoodConnect)));
                if (_random.Next(2) == 0)
                {
                    options.Add(("connect-netns-file", Pick(RuntimeBadPaths)));
                }

                break;
            default:
                options.Add((Pick(["listen-fd", "preaccepted-fd"]), Pick(RuntimeBadDescriptors)));
                options.Add(("connect-fd", Pick(RuntimeBadDescriptors)));
                break;
        }

        AddDecorations(options, verbose: false);
        if (_random.Next(4) == 0)
        {
            options.Add(("quiet", null));
        }

        return new FuzzCase(number, "runtime: unusable namespace or descriptor", Render(options), 1);
    }

    private FuzzCase RandomTokens(int number)
    {
        var tokens = new List<string>();
        int count = _random.Next(0, 7);
        for (int i = 0; i < count; i++)
        {
            string token = _random.Next(4) switch
            {
                0 => "-" + RandomText(_random.Next(1, 4)),
                1 => "--" + RandomText(_random.Next(1, 12)),
                2 => Pick(["-l", "-c", "-f", "-t", "-L", "-S", "-C", "-F", "-T", "--copy", "--threads", "--listen", "--connect-timeout"]),
                _ => RandomText(_random.Next(0, _random.Next(10) == 0 ? 3000 : 24)),
            };
            tokens.Add(token);
        }

        // Never a request for help or the version, never the connector's internal mode.
        tokens = [.. tokens.Select(t => t.Replace("h", string.Empty, StringComparison.Ordinal))
            .Where(t => t is not "--version" and not "--connector-part")];
        return new FuzzCase(number, "random tokens", tokens, null);
    }

    private List<(string Name, string? Value)> Template(out bool listenIsAddress, out bool connectIsAddress)
    {
        var options = new List<(string Name, string? Value)>();

        // Every template is also unusable at run time (a missing namespace file), so that a
        // mutation that failed to make it a usage error still cannot start a bridge.
        listenIsAddress = _random.Next(5) != 0;
        connectIsAddress = _random.Next(5) != 0;
        options.Add(listenIsAddress ? ("listen", Pick(GoodListen)) : ("listen-fd", Pick(RuntimeBadDescriptors)));
        options.Add(connectIsAddress ? ("connect", Pick(GoodConnect)) : ("connect-fd", Pick(RuntimeBadDescriptors)));
        if (listenIsAddress)
        {
            options.Add(("listen-netns-file", Pick(RuntimeBadPaths)));
        }

        if (connectIsAddress && (_random.Next(2) == 0 || !listenIsAddress))
        {
            options.Add(("connect-netns-file", Pick(RuntimeBadPaths)));
        }

        AddDecorations(options, verbose: true);
        return options;
    }

    private void AddDecorations(List<(string Name, string? Value)> options, bool verbose)
    {
        if (verbose && _random.Next(4) == 0)
        {
            options.Add(("verbose", null));
        }

        if (_random.Next(3) == 0)
        {
            options.Add(("copy", Pick(["splice", "buffered"])));
        }

        if (_random.Next(3) == 0)
        {
            options.Add(("threads", _random.Next(1, 1025).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (_random.Next(4) == 0)
        {
            options.Add(("connect-timeout", Pick(["0.001", "1", "2.5", "86400"])));
        }

        if (_random.Next(4) == 0)
        {
            options.Add(("keepalive", Pick(["1", "30", "0.5"])));
        }

        if (_random.Next(4) == 0)
        {
            options.Add(("pipe-size", Pick(["4096", "65536", "268435456"])));
        }

        if (_random.Next(5) == 0)
        {
            options.Add(("max-connections", Pick(["1", "1000", "10000000"])));
        }

        if (_random.Next(5) == 0)
        {
            options.Add(("drain-timeout", Pick(["0.001", "30", "86400"])));
        }

        if (_random.Next(6) == 0)
        {
            options.Add(("unix-mode", Pick(["660", "0600", "7", "0777"])));
        }

        if (_random.Next(6) == 0)
        {
            options.Add(("proxy-protocol", Pick(["v1", "v2"])));
        }

        if (_random.Next(6) == 0)
        {
            options.Add(("accept-proxy", null));
            if (_random.Next(2) == 0)
            {
                options.Add(("accept-proxy-timeout", Pick(["0.001", "5", "86400"])));
            }
        }

        // Valid, and harmless in a case that fails: the bridge binds the metrics socket and drops
        // privileges only after everything these cases break.
        if (_random.Next(6) == 0)
        {
            options.Add(("user", Pick(["nobody", "nobody:nogroup", "65534:65534"])));
        }

        if (_random.Next(6) == 0)
        {
            options.Add(("metrics", Pick(["127.0.0.1:0", "[::1]:0"])));
            if (_random.Next(2) == 0)
            {
                options.Add(("metrics-netns", Pick(["listen", "connect"])));
            }
        }

        Shuffle(options);
    }

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
