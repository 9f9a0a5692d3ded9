using System.Globalization;

namespace NetnsTcpBridge.Reliability.Infrastructure;

// UDP forwards: udp: addresses on -l, -c and in rules, with one defect (exit 2) or well-formed and
// naming an unusable netns (exit 1). Their decorations are the options a UDP forward takes; every
// TCP-only option is itself a defect here.
public sealed partial class CommandLineFuzzer
{
    private static readonly string[] GoodUdpListen = ["udp:127.0.0.1:5300", "udp:[::1]:53", "udp:0.0.0.0:65535", "udp:[::]:5353"];
    private static readonly string[] GoodUdpConnect = ["udp:127.0.0.1:53", "udp:[::1]:9", "udp:10.1.2.3:5353", "udp:255.255.255.255:1"];

    /// <summary>The options only TCP forwards take, each with a value it would accept there (null: a flag).</summary>
    private static readonly (string Name, string? Value)[] TcpOnlyOptions =
    [
        ("connect-timeout", "1"), ("idle-timeout", "5"), ("keepalive", "5"), ("max-connections", "5"), ("max-connections-per-source", "5"),
        ("source-prefix", "24"), ("backlog", "128"), ("proxy-protocol", "v1"), ("proxy-protocol-loopback-as", "10.0.0.1"), ("accept-proxy", null),
        ("accept-proxy-from", "10.0.0.0/8"), ("accept-proxy-timeout", "5"), ("copy", "splice"), ("threads", "2"), ("pipe-size", "65536"),
        ("pipe-memory-budget", "64M"),
    ];

    /// <summary>A UDP forward (or rules with one) with exactly one defect.</summary>
    private FuzzCase UdpUsage(int number)
    {
        var options = UdpTemplate();
        string defect;
        switch (_random.Next(12))
        {
            case 0:
                Replace(options, Pick(["listen", "connect"]), Pick([.. GoodListen, .. BadUnix]));
                defect = "one side UDP, the other not";
                break;
            case 1:
                Replace(options, "listen", "udp:" + Pick([.. BadAddresses, .. BadListenOnly, "unix:/x", "udp:127.0.0.1:53"]));
                defect = "bad UDP listen address";
                break;
            case 2:
                Replace(options, "connect", "udp:" + Pick([.. BadAddresses, .. BadConnectOnly, "unix:/x", "udp:127.0.0.1:53"]));
                defect = "bad UDP connect address";
                break;
            case 3:
                Insert(options, Pick(TcpOnlyOptions));
                defect = "TCP-only option with only UDP forwards";
                break;
            case 4:
                Set(options, "udp-idle-timeout", Pick(BadSeconds));
                defect = "bad --udp-idle-timeout";
                break;
            case 5:
                Set(options, "max-udp-flows", Pick([.. BadCounts, "0", "1000001"]));
                defect = "bad --max-udp-flows";
                break;
            case 6:
                // An inherited socket is a TCP one.
                if (_random.Next(2) == 0)
                {
                    options.RemoveAll(o => o.Name is "listen" or "listen-netns-file");
                    Insert(options, (Pick(["listen-fd", "preaccepted-fd"]), Pick(RuntimeBadDescriptors)));
                }
                else
                {
                    options.RemoveAll(o => o.Name is "connect" or "connect-netns-file");
                    Insert(options, ("connect-fd", Pick(RuntimeBadDescriptors)));
                }

                defect = "UDP address with an inherited socket on the other side";
                break;
            case 7:
                var tcp = Template(out _, out _);
                tcp.RemoveAll(o => o.Name is "udp-idle-timeout" or "max-udp-flows");
                Insert(tcp, Pick<(string, string?)>([("udp-idle-timeout", "5"), ("max-udp-flows", "10")]));
                return new FuzzCase(number, "usage: UDP option with only TCP forwards", Render(tcp), 2);
            case 8:
                Set(options, "unix-mode", "660");
                defect = "--unix-mode with a UDP listener";
                break;
            default:
                return UdpRuleUsage(number);
        }

        return new FuzzCase(number, "usage: " + defect, Render(options), 2);
    }

    /// <summary>Rules, some UDP, with exactly one defect in a UDP rule or the options around them.</summary>
    private FuzzCase UdpRuleUsage(int number)
    {
        var rules = Enumerable.Range(1, _random.Next(1, 4)).Select(GoodUdpRule).ToList();
        var options = new List<(string Name, string? Value)>();
        AddUdpDecorations(options);
        var rule = rules[_random.Next(rules.Count)];
        string defect;
        switch (_random.Next(6))
        {
            case 0:
                SetPair(rule, Pick(["listen", "connect"]), Pick(["127.0.0.1:8000", "[::1]:8001", "unix:/nonexistent-ntbr/s.sock"]));
                defect = "rule with one side UDP, the other not";
                break;
            case 1:
                SetPair(rule, "listen", "udp:" + Pick(InRule([.. BadAddresses, .. BadListenOnly, "unix:/x"])));
                defect = "bad UDP rule listen address";
                break;
            case 2:
                SetPair(rule, "connect", "udp:" + Pick(InRule([.. BadAddresses, .. BadConnectOnly, "unix:/x"])));
                defect = "bad UDP rule connect address";
                break;
            case 3:
                SetPair(rule, Pick(["proxy-protocol", "accept-proxy", "unix-mode"]), Pick(["v1", "yes", "660"]));
                defect = "UDP rule with a TCP-only key";
                break;
            case 4:
                Insert(options, Pick(TcpOnlyOptions));
                defect = "TCP-only option with only UDP rules";
                break;
            default:
                bool idle = _random.Next(2) == 0;
                Set(options, idle ? "udp-idle-timeout" : "max-udp-flows", Pick(idle ? BadSeconds : [.. BadCounts, "0"]));
                defect = "bad UDP flow option with rules";
                break;
        }

        foreach (var pairs in rules)
        {
            Insert(options, ("rule", RenderRule(pairs)));
        }

        return new FuzzCase(number, "usage: " + defect, Render(options), 2);
    }

    /// <summary>A well-formed UDP forward, or UDP rules, whose namespaces cannot be used.</summary>
    private FuzzCase UdpRuntime(int number)
    {
        if (_random.Next(3) == 0)
        {
            var ruleOptions = new List<(string Name, string? Value)>();
            AddUdpDecorations(ruleOptions);
            foreach (var pairs in Enumerable.Range(1, _random.Next(1, 4)).Select(GoodUdpRule))
            {
                Insert(ruleOptions, ("rule", RenderRule(pairs)));
            }

            return new FuzzCase(number, "runtime: UDP rules with an unusable namespace", Render(ruleOptions), 1);
        }

        var options = UdpTemplate();
        if (_random.Next(4) == 0)
        {
            options.RemoveAll(o => o.Name == "verbose");
            options.Add(("quiet", null));
        }

        return new FuzzCase(number, "runtime: UDP forward with an unusable namespace", Render(options), 1);
    }

    /// <summary>-l udp: and -c udp:, both namespaces unusable (so a host name target is never looked up), and UDP decorations.</summary>
    private List<(string Name, string? Value)> UdpTemplate()
    {
        var options = new List<(string Name, string? Value)>
        {
            ("listen", Pick(GoodUdpListen)),
            ("connect", Pick([.. GoodUdpConnect, "udp:resolver.example:53"])),
            ("listen-netns-file", Pick(RuntimeBadPaths)),
            ("connect-netns-file", Pick(RuntimeBadPaths)),
        };
        AddUdpDecorations(options);
        return options;
    }

    private List<(string Key, string? Value)> GoodUdpRule(int index)
    {
        var pairs = new List<(string Key, string? Value)>
        {
            ("listen", Pick(GoodUdpListen)),
            ("connect", Pick(GoodUdpConnect)),
            ("listen-netns", Pick(RuntimeBadNetnsSpecs)),
            ("connect-netns", Pick(RuntimeBadNetnsSpecs)),
            ("name", string.Create(CultureInfo.InvariantCulture, $"u{index}")),
        };
        if (_random.Next(4) == 0)
        {
            pairs.Add(("dual-stack", Pick(["yes", "no"])));
        }

        Shuffle(pairs);
        return pairs;
    }

    /// <summary>Options a UDP forward takes, in valid forms.</summary>
    private void AddUdpDecorations(List<(string Name, string? Value)> options)
    {
        if (_random.Next(4) == 0)
        {
            options.Add(("verbose", null));
        }

        if (_random.Next(3) == 0)
        {
            options.Add(("udp-idle-timeout", Pick(["0.001", "30", "86400"])));
        }

        if (_random.Next(3) == 0)
        {
            options.Add(("max-udp-flows", Pick(["1", "4096", "1000000"])));
        }

        if (_random.Next(5) == 0)
        {
            options.Add(("log-format", Pick(["text", "json"])));
        }

        if (_random.Next(6) == 0)
        {
            options.Add(("dual-stack", Pick(["yes", "no"])));
        }

        if (_random.Next(6) == 0)
        {
            options.Add(("user", Pick(["nobody", "nobody:nogroup", "65534:65534"])));
        }

        if (_random.Next(6) == 0)
        {
            options.Add(("drain-timeout", Pick(["0.001", "30"])));
        }

        Shuffle(options);
    }
}
