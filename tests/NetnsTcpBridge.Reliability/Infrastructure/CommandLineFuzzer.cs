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
/// <item>The same two for named forwards (<c>--rule</c> values and <c>--config</c> files, see
/// CommandLineFuzzer.Rules.cs): one defect in a rule, a file or the options around them (2), or
/// every rule naming an unusable netns (1).</item>
/// <item>The same for UDP forwards (CommandLineFuzzer.Udp.cs): one side UDP and the other not, a
/// bad udp: address, a TCP-only option, a bad flow option (2); or well-formed and unusable (1).</item>
/// <item>"random": tokens of random characters (controls, non-UTF-8 bytes, very long). Status 1 or 2.</item>
/// </list>
/// No case ever holds -h/--help/--version (which would rightly exit 0) or a usable namespace
/// (only missing paths, non-namespace files and the descriptors 0-2 and unopened ones).
/// </summary>
public sealed partial class CommandLineFuzzer
{
    private readonly Random _random;
    private readonly FuzzConfigFiles _configFiles;
    private int _number;

    /// <param name="configFiles">The --config files to draw from; the caller keeps and deletes them.</param>
    public CommandLineFuzzer(int seed, FuzzConfigFiles configFiles)
    {
        _random = new Random(seed);
        _configFiles = configFiles;
    }

    public FuzzCase Next()
    {
        int number = _number++;
        int roll = _random.Next(100);
        return roll switch
        {
            < 47 => Usage(number),
            < 55 => UdpUsage(number),
            < 71 => Runtime(number),
            < 75 => UdpRuntime(number),
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
        const string Rule = "name=a,listen=127.0.0.1:8000,connect=127.0.0.1:9000,connect-netns=ntbr-absent-fuzz";
        yield return new FuzzCase(-15, "fixed", ["--rule", ""], 2);
        yield return new FuzzCase(-16, "fixed", ["--rule", Rule, "--rule", Rule], 2);
        yield return new FuzzCase(-17, "fixed", ["--rule", "listen=127.0.0.1:8000,connect=127.0.0.1:9000,listen-netns=ntbr-absent-fuzz", "--rule=connect=[::1]:9,listen=[::1]:8001,connect-netns=/dev/null"], 1);
        yield return new FuzzCase(-18, "fixed", ["--config", "/nonexistent-ntbr/rules.conf"], 2);
        yield return new FuzzCase(-19, "fixed", ["--rule", "name=a," + new string('x', 100_000)], 2);
        yield return new FuzzCase(-20, "fixed", ["--log-format", "json", "-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000", "-f", "/nonexistent-ntbr/ns"], 1);
        yield return new FuzzCase(-21, "fixed", ["--log-format", "json", "--log-format=text", "-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000"], 2);
    }

    private FuzzCase Usage(int number)
    {
        var options = Template(out bool listenIsAddress, out bool connectIsAddress);
        string defect;
        switch (_random.Next(32))
        {
            case >= 28:
                return RuleUsage(number);
            case 23:
                Set(options, "log-format", Pick(BadLogFormats));
                defect = "bad log format";
                break;
            case 24 when listenIsAddress:
                Set(options, "backlog", Pick(BadBacklogs));
                defect = "bad backlog";
                break;
            case 24:
                Set(options, "backlog", Pick(["1", "128", "65535"]));
                defect = "--backlog with an inherited listening socket";
                break;
            case 25:
                Set(options, "max-connections-per-source", Pick([.. BadCounts, "0", "10000001"]));
                defect = "bad per-source connection limit";
                break;
            case 26:
                Set(options, "dual-stack", Pick(BadYesNo));
                defect = "bad dual-stack";
                break;
            case 27:
                Insert(options, _random.Next(2) == 0
                    ? ("rule", "name=x,listen=127.0.0.1:8000,connect=127.0.0.1:9000,connect-netns=ntbr-absent-fuzz")
                    : ("config", Pick(_configFiles.Usable)));
                defect = "--rule or --config with the single forward's options";
                break;
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
                Set(options, Pick(["connect-timeout", "keepalive", "drain-timeout", "idle-timeout"]), Pick(BadSeconds));
                defect = "bad seconds";
                break;
            case 3:
                Set(options, "threads", Pick([.. BadCounts, "0", "1025"]));
                defect = "bad thread count";
                break;
            case 4:
                if (_random.Next(2) == 0)
                {
                    Set(options, "pipe-size", Pick([.. BadCounts, "4095", "268435457", "1k"]));
                }
                else
                {
                    Set(options, "pipe-memory-budget", Pick(["", "M", "-1", "64m", "64 M", "1025G", "1T", "0x10", "99999999999999999999"]));
                }

                defect = "bad pipe size or pipe memory budget";
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
        switch (_random.Next(7))
        {
            case >= 5:
                return RuleRuntime(number);
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

        AddDecorations(options, verbose: false, backlogApplies: options.Any(o => o.Name == "listen"));
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
                2 => Pick(["-l", "-c", "-f", "-t", "-L", "-S", "-C", "-F", "-T", "--copy", "--threads", "--listen", "--connect-timeout", "--rule", "--config",
                    "--log-format", "--backlog", "--dual-stack", "--idle-timeout", "--max-connections-per-source"]),
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

        AddDecorations(options, verbose: true, backlogApplies: listenIsAddress);
        return options;
    }

    /// <param name="backlogApplies">Whether the bridge creates its listening socket (-l or rules), without which --backlog is refused.</param>
    private void AddDecorations(List<(string Name, string? Value)> options, bool verbose, bool backlogApplies)
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
            options.Add(("pipe-memory-budget", Pick(["0", "65536", "64M", "1G"])));
        }

        if (_random.Next(5) == 0)
        {
            options.Add(("max-connections", Pick(["1", "1000", "10000000"])));
        }

        if (_random.Next(5) == 0)
        {
            options.Add(("drain-timeout", Pick(["0.001", "30", "86400"])));
        }

        // No --unix-mode here: the templates listen on TCP or an inherited socket, where it is a usage error.
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

        if (_random.Next(5) == 0)
        {
            options.Add(("log-format", Pick(["text", "json"])));
        }

        if (_random.Next(5) == 0)
        {
            options.Add(("idle-timeout", Pick(["0.001", "300", "86400"])));
        }

        if (_random.Next(5) == 0)
        {
            options.Add(("max-connections-per-source", Pick(["1", "64", "10000000"])));
        }

        if (_random.Next(6) == 0)
        {
            options.Add(("dual-stack", Pick(["yes", "no"])));
        }

        if (backlogApplies && _random.Next(5) == 0)
        {
            options.Add(("backlog", Pick(["1", "4096", "65535"])));
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
}
