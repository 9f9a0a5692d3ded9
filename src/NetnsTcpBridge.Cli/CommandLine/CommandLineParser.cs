using System.Globalization;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Systemd;
using static NetnsTcpBridge.Cli.CommandLine.OptionDefinitions;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>Turns argv into a checked request, enforcing the original tool's rules on which options go together.</summary>
internal static partial class CommandLineParser
{
    /// <param name="socketsPassed">How many sockets a service manager passed (LISTEN_FDS for this process); 0 when none.</param>
    public static CommandLineRequest Parse(IReadOnlyList<string> args, int socketsPassed = 0)
    {
        var values = new Dictionary<OptionDefinition, string?>();
        var ruleValues = new List<string>();
        foreach (var (option, value) in ArgumentTokenizer.Tokenize(args))
        {
            if (option == Rule)
            {
                ruleValues.Add(value!); // the one option that may be repeated
            }
            else if (!values.TryAdd(option, value) && option.TakesValue)
            {
                throw new UsageException($"option {option.Spellings} given more than once");
            }
        }

        if (values.ContainsKey(HelpFlag))
        {
            return new CommandLineRequest.ShowHelp();
        }

        if (values.ContainsKey(VersionFlag))
        {
            return new CommandLineRequest.ShowVersion();
        }

        var settings = ruleValues.Count > 0 || values.ContainsKey(Config)
            ? RuleSettings(values, ruleValues)
            : ForwardSettings(values, socketsPassed);
        settings = settings with { Relay = ParseRelayOptions(values, settings.Relay) };
        if (values.TryGetValue(DrainTimeout, out string? drain))
        {
            settings = settings with { DrainTimeout = ParseSeconds(drain!, DrainTimeout) };
        }

        if (values.TryGetValue(Backlog, out string? backlog))
        {
            if (settings.Rules.Any(rule => rule.Listen is not ListenSource.Address))
            {
                throw new UsageException($"{Backlog.Spellings} applies to a socket the bridge creates with {Listen.Spellings}; an inherited or passed socket keeps the backlog of whoever made it (systemd: Backlog= in the socket unit)");
            }

            settings = settings with { Backlog = ParseCount(backlog!, Backlog, 1, ListeningSocket.MaxBacklog) };
        }

        if (values.ContainsKey(AcceptProxyTimeout) && !settings.Rules.Any(rule => rule.AcceptProxyHeader))
        {
            throw new UsageException($"{AcceptProxyTimeout.Spellings} needs {AcceptProxy.Spellings} (or a rule with accept-proxy = yes): without it no header is read");
        }

        settings = ParseServiceOptions(values, settings);
        if (values.ContainsKey(Quiet) && values.ContainsKey(Verbose))
        {
            throw new UsageException($"{Quiet.Spellings} and {Verbose.Spellings} exclude each other; give one");
        }

        var logFormat = !values.TryGetValue(LogFormatOption, out string? format) ? LogFormat.Text : format switch
        {
            "text" => LogFormat.Text,
            "json" => LogFormat.Json,
            _ => throw new UsageException($"invalid value '{format}' for {LogFormatOption.Spellings}: expected text or json"),
        };

        return new CommandLineRequest.RunBridge(settings, values.ContainsKey(Verbose), values.ContainsKey(Quiet), logFormat);
    }

    /// <summary>The single forward of the original command line: -l/-L/-S, -c/-C and the netns options.</summary>
    private static BridgeSettings ForwardSettings(Dictionary<OptionDefinition, string?> values, int socketsPassed)
    {
        var settings = new BridgeSettings(
            ParseListenSource(values, socketsPassed),
            ParseConnectTarget(values),
            ParseNamespace(values, ListenNetnsFile, ListenNetnsFd, ListenNetns),
            ParseNamespace(values, ConnectNetnsFile, ConnectNetnsFd, ConnectNetns));

        if (settings.ListenNamespace is not null && settings.Listen is not ListenSource.Address)
        {
            string inherited = settings.Listen is ListenSource.SocketActivated ? "a socket passed by the service manager" : Named(values, ListenFd, PreacceptedFd);
            throw new UsageException($"a listen netns ({Named(values, ListenNetnsFile, ListenNetnsFd, ListenNetns)}) makes no sense with {inherited}: the socket already exists in its own netns");
        }

        if (settings.ConnectNamespace is not null && settings.Connect is ConnectTarget.ConnectedDescriptor)
        {
            throw new UsageException($"a connect netns ({Named(values, ConnectNetnsFile, ConnectNetnsFd, ConnectNetns)}) makes no sense with {ConnectFd.Spellings}: the socket is already connected");
        }

        return settings with
        {
            UnixSocketMode = values.TryGetValue(UnixMode, out string? mode) ? ParseMode(mode!) : null,
            DualStack = values.TryGetValue(DualStack, out string? dualStack) ? ParseYesNo(dualStack!, DualStack) : null,
        };
    }

    /// <summary>
    /// Named forwards: the sections of --config, then each --rule, in order. --unix-mode,
    /// --dual-stack, --proxy-protocol and --accept-proxy are defaults for the rules that do not set their own.
    /// </summary>
    private static BridgeSettings RuleSettings(Dictionary<OptionDefinition, string?> values, List<string> ruleValues)
    {
        var single = new[] { Listen, ListenFd, PreacceptedFd, Connect, ConnectFd, ListenNetnsFile, ListenNetnsFd, ConnectNetnsFile, ConnectNetnsFd, ListenNetns, ConnectNetns };
        if (single.FirstOrDefault(values.ContainsKey) is { } conflicting)
        {
            throw new UsageException($"{conflicting.Spellings} cannot be combined with {Rule.Spellings} or {Config.Spellings}: write that forward as a rule too");
        }

        UnixFileMode? defaultMode = values.TryGetValue(UnixMode, out string? mode) ? ParseMode(mode!) : null;
        bool? defaultDualStack = values.TryGetValue(DualStack, out string? dualStack) ? ParseYesNo(dualStack!, DualStack) : null;
        FileOwner? defaultOwner = values.TryGetValue(UnixOwner, out string? owner) ? ParseOwner(owner!, UnixOwner.Spellings) : null;
        var defaultProxy = ParseProxyProtocolVersion(values);
        bool defaultAccept = values.ContainsKey(AcceptProxy);
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
                Add(RuleParser.Build(section.Name, section.Pairs, section.Where, defaultMode, defaultDualStack, defaultProxy, defaultAccept, defaultOwner), section.Where);
            }
        }

        for (int i = 0; i < ruleValues.Count; i++)
        {
            string where = $"{Rule.Spellings} #{i + 1}";
            var pairs = new List<RuleParser.Pair>();
            string? name = null;
            foreach (string item in ruleValues[i].Split(','))
            {
                int equals = item.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new UsageException($"{where}: expected key=value pairs separated by commas, got '{item}' in '{ruleValues[i]}'");
                }

                string key = item[..equals].Trim();
                string value = item[(equals + 1)..].Trim();
                if (key == "name")
                {
                    name = RuleParser.IsValidName(value) ? value : throw new UsageException($"{where}: invalid rule name '{value}': expected {RuleParser.NameSyntax}");
                }
                else
                {
                    pairs.Add(new RuleParser.Pair(key, value, where));
                }
            }

            // Unnamed rules are numbered by their place among all rules, so that log lines still say which.
            name ??= string.Create(CultureInfo.InvariantCulture, $"rule{rules.Count + 1}");
            Add(RuleParser.Build(name, pairs, where, defaultMode, defaultDualStack, defaultProxy, defaultAccept, defaultOwner), where);
        }

        var first = rules[0];
        return new BridgeSettings(first.Listen, first.Connect, first.ListenNamespace, first.ConnectNamespace)
        {
            UnixSocketMode = first.UnixSocketMode,
            DualStack = first.DualStack,
            NamedRules = rules,
        };
    }

    private static bool ParseYesNo(string text, OptionDefinition option) => text switch
    {
        "yes" => true,
        "no" => false,
        _ => throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected yes or no"),
    };

    private static ListenSource ParseListenSource(Dictionary<OptionDefinition, string?> values, int socketsPassed)
    {
        if (socketsPassed > 0 && !new[] { Listen, ListenFd, PreacceptedFd }.Any(values.ContainsKey))
        {
            // Socket activation stands in for -l/-L/-S; with one of them given, it is ignored.
            return socketsPassed == 1
                ? new ListenSource.SocketActivated(SocketActivation.FirstDescriptor)
                : throw new UsageException($"the service manager passed {socketsPassed} sockets (LISTEN_FDS); one is supported: give the unit a single ListenStream=");
        }

        var given = ExactlyOne(values, "a place to take clients from", Listen, ListenFd, PreacceptedFd);
        string text = values[given]!;
        if (given == Listen)
        {
            return new ListenSource.Address(ParseAddress(text, given, allowPortZero: true));
        }

        int fd = ParseDescriptor(text, given);
        return given == ListenFd ? new ListenSource.ListeningDescriptor(fd) : new ListenSource.PreacceptedDescriptor(fd);
    }

    private static ConnectTarget ParseConnectTarget(Dictionary<OptionDefinition, string?> values)
    {
        var given = ExactlyOne(values, "a place to forward to", Connect, ConnectFd);
        string text = values[given]!;
        if (given == ConnectFd)
        {
            return new ConnectTarget.ConnectedDescriptor(ParseDescriptor(text, given));
        }

        return HostName.TryParse(text, out string? host, out int port)
            ? new ConnectTarget.HostName(host, port)
            : new ConnectTarget.Address(ParseAddress(text, given, allowPortZero: false));
    }

    private static NamespaceReference? ParseNamespace(Dictionary<OptionDefinition, string?> values, OptionDefinition file, OptionDefinition descriptor, OptionDefinition any)
    {
        var given = new[] { file, descriptor, any }.Where(values.ContainsKey).ToList();
        if (given.Count > 1)
        {
            throw new UsageException($"{string.Join(" and ", given.Select(o => o.Spellings))} exclude each other; give one");
        }

        if (values.TryGetValue(file, out string? path))
        {
            return path!.Length == 0
                ? throw new UsageException($"option {file.Spellings} needs a path, got an empty one")
                : new NamespaceReference.File(path);
        }

        if (values.TryGetValue(any, out string? spec))
        {
            return NamespaceSpec.Parse(spec!, any);
        }

        return values.TryGetValue(descriptor, out string? fd)
            ? new NamespaceReference.Descriptor(ParseDescriptor(fd!, descriptor))
            : null;
    }

    private static OptionDefinition ExactlyOne(Dictionary<OptionDefinition, string?> values, string what, params OptionDefinition[] choices)
    {
        var given = choices.Where(values.ContainsKey).ToList();
        string list = string.Join(", ", choices.Select(c => c.Spellings));
        return given.Count switch
        {
            1 => given[0],
            0 => throw new UsageException($"missing {what}: give exactly one of {list}"),
            _ => throw new UsageException($"{string.Join(" and ", given.Select(c => c.Spellings))} exclude each other: give exactly one of {list}"),
        };
    }

    private static System.Net.EndPoint ParseAddress(string text, OptionDefinition option, bool allowPortZero)
    {
        if (UnixAddress.IsUnix(text))
        {
            return UnixAddress.TryParse(text, out var unix, out string? unixError)
                ? unix
                : throw new UsageException($"invalid UNIX socket address '{text}' for {option.Spellings}: {unixError}");
        }

        return TcpAddress.TryParse(text, allowPortZero, out var endpoint, out string? error)
            ? endpoint
            : throw new UsageException($"invalid address '{text}' for {option.Spellings}: {error}; expected {TcpAddress.Syntax}, or unix:/path or unix:@name");
    }

    private static int ParseDescriptor(string text, OptionDefinition option) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int fd)
            ? fd
            : throw new UsageException($"invalid file descriptor '{text}' for {option.Spellings}: expected a number such as 3");

    private static RelayOptions ParseRelayOptions(Dictionary<OptionDefinition, string?> values, RelayOptions defaults)
    {
        var relay = defaults;
        if (values.TryGetValue(ConnectTimeout, out string? timeout))
        {
            relay = relay with { ConnectTimeout = ParseSeconds(timeout!, ConnectTimeout) };
        }

        if (values.TryGetValue(KeepAlive, out string? keepAlive))
        {
            // Probe every third of the idle time, three times: a dead peer is noticed after about twice the idle time.
            var idle = TimeSpan.FromSeconds(Math.Max(1, Math.Round(ParseSeconds(keepAlive!, KeepAlive).TotalSeconds)));
            relay = relay with { KeepAlive = new KeepAliveSettings(idle, TimeSpan.FromSeconds(Math.Max(1, Math.Round(idle.TotalSeconds / 3))), 3) };
        }

        if (values.TryGetValue(Copy, out string? copy))
        {
            relay = relay with
            {
                CopyMethod = copy switch
                {
                    "splice" => CopyMethod.Splice,
                    "buffered" => CopyMethod.Buffered,
                    _ => throw new UsageException($"invalid value '{copy}' for {Copy.Spellings}: expected splice or buffered"),
                },
            };
        }

        if (values.TryGetValue(MaxConnections, out string? maxConnections))
        {
            relay = relay with { MaxConnections = ParseCount(maxConnections!, MaxConnections, 1, 10_000_000) };
        }

        if (values.TryGetValue(MaxConnectionsPerSource, out string? perSource))
        {
            relay = relay with { MaxConnectionsPerSource = ParseCount(perSource!, MaxConnectionsPerSource, 1, 10_000_000) };
        }

        if (values.TryGetValue(IdleTimeout, out string? idleTimeout))
        {
            relay = relay with { IdleTimeout = ParseSeconds(idleTimeout!, IdleTimeout) };
        }

        relay = ParseProxyProtocolOptions(values, relay);
        if (values.TryGetValue(Threads, out string? threads))
        {
            relay = relay with { Threads = ParseCount(threads!, Threads, 1, 1024) };
        }

        if (values.TryGetValue(PipeSize, out string? pipeSize))
        {
            relay = relay with { PipeSize = ParseCount(pipeSize!, PipeSize, 4096, 256 * 1024 * 1024) };
        }

        return relay;
    }

    // The single forward's PROXY settings, and with rules the defaults of every rule (each rule
    // may set its own; see RuleParser). The timeout applies to every rule that accepts a header.
    private static RelayOptions ParseProxyProtocolOptions(Dictionary<OptionDefinition, string?> values, RelayOptions relay)
    {
        relay = relay with { SendProxyHeader = ParseProxyProtocolVersion(values), AcceptProxyHeader = values.ContainsKey(AcceptProxy) };
        return values.TryGetValue(AcceptProxyTimeout, out string? timeout)
            ? relay with { ProxyHeaderTimeout = ParseSeconds(timeout!, AcceptProxyTimeout) }
            : relay;
    }

    private static ProxyProtocolVersion ParseProxyProtocolVersion(Dictionary<OptionDefinition, string?> values) =>
        !values.TryGetValue(OptionDefinitions.ProxyProtocol, out string? version) ? ProxyProtocolVersion.None : version switch
        {
            "v1" => ProxyProtocolVersion.V1,
            "v2" => ProxyProtocolVersion.V2,
            _ => throw new UsageException($"invalid value '{version}' for {OptionDefinitions.ProxyProtocol.Spellings}: expected v1 or v2"),
        };

    // At least a millisecond: timeouts travel to the connector, and act, in whole milliseconds.
    private static TimeSpan ParseSeconds(string text, OptionDefinition option) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0.001 && seconds <= 86400
            ? TimeSpan.FromMilliseconds(Math.Round(seconds * 1000))
            : throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected seconds from 0.001 to 86400, e.g. 10 or 0.5");

    private static UnixFileMode ParseMode(string text) =>
        text.Length is >= 1 and <= 4 && text.All(c => c is >= '0' and <= '7')
            ? (UnixFileMode)Convert.ToInt32(text, 8)
            : throw new UsageException($"invalid value '{text}' for {UnixMode.Spellings}: expected an octal file mode such as 660 or 0600");

    private static int ParseCount(string text, OptionDefinition option, int min, int max) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected a whole number from {min} to {max}");

    private static string Named(Dictionary<OptionDefinition, string?> values, params OptionDefinition[] options) =>
        string.Join(" and ", options.Where(values.ContainsKey).Select(o => o.Spellings));
}
