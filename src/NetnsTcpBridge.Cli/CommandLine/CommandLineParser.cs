using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Systemd;
using static NetnsTcpBridge.Cli.CommandLine.OptionDefinitions;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>
/// Turns argv into a checked request, enforcing the original tool's rules on which options go together.
/// This file holds Parse and the single forward; the other parts: .Rules (--rule, --config), .Relay
/// (relaying, limits, PROXY), .Service (running as a service), .Values (one option value at a time).
/// </summary>
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

        var defaults = ParseRuleDefaults(values);
        var settings = ruleValues.Count > 0 || values.ContainsKey(Config)
            ? RuleSettings(values, ruleValues, defaults)
            : ForwardSettings(values, socketsPassed, defaults);
        settings = settings with { Relay = ParseRelayOptions(values, settings.Relay) };
        settings = settings with { Relay = ParseUdpOptions(values, settings, settings.Relay) };
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

        CheckAcceptProxyFrom(values, settings);
        if (values.ContainsKey(ProxyProtocolLoopbackAs) && !settings.Rules.Any(rule => rule.SendProxyHeader != NetnsTcpBridge.ProxyProtocol.ProxyProtocolVersion.None))
        {
            throw new UsageException($"{ProxyProtocolLoopbackAs.Spellings} needs {OptionDefinitions.ProxyProtocol.Spellings} v1|v2 (or a rule with proxy-protocol): without it no header is sent");
        }

        settings = ParseServiceOptions(values, settings);
        if (values.ContainsKey(Quiet) && values.ContainsKey(Verbose))
        {
            throw new UsageException($"{Quiet.Spellings} and {Verbose.Spellings} exclude each other; give one");
        }

        var logFormat = !values.TryGetValue(LogFormatOption, out string? format) ? LogFormat.Text
            : Words.LogFormat.TryParse(format, out var parsed) ? parsed
            : throw new UsageException($"invalid value '{format}' for {LogFormatOption.Spellings}: expected {Words.LogFormat.Choices}");

        return new CommandLineRequest.RunBridge(settings, values.ContainsKey(Verbose), values.ContainsKey(Quiet), logFormat);
    }

    /// <summary>The single forward of the original command line: -l/-L/-S, -c/-C and the netns options.</summary>
    private static BridgeSettings ForwardSettings(Dictionary<OptionDefinition, string?> values, int socketsPassed, RuleDefaults defaults)
    {
        var rule = new ForwardRule(
            null,
            ParseListenSource(values, socketsPassed),
            ParseConnectTarget(values),
            ParseNamespace(values, ListenNetnsFile, ListenNetnsFd, ListenNetns),
            ParseNamespace(values, ConnectNetnsFile, ConnectNetnsFd, ConnectNetns))
        {
            Protocol = ParseProtocol(values),
        };

        if (rule.ListenNamespace is not null && rule.Listen is not ListenSource.Address)
        {
            string inherited = rule.Listen is ListenSource.SocketActivated ? "a socket passed by the service manager" : Named(values, ListenFd, PreacceptedFd);
            throw new UsageException($"a listen netns ({Named(values, ListenNetnsFile, ListenNetnsFd, ListenNetns)}) makes no sense with {inherited}: the socket already exists in its own netns");
        }

        if (rule.ConnectNamespace is not null && rule.Connect is ConnectTarget.ConnectedDescriptor)
        {
            throw new UsageException($"a connect netns ({Named(values, ConnectNetnsFile, ConnectNetnsFd, ConnectNetns)}) makes no sense with {ConnectFd.Spellings}: the socket is already connected");
        }

        return new BridgeSettings([defaults.FillIn(rule, new HashSet<string>())]);
    }

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
            return new ListenSource.Address(UdpAddress.IsUdp(text)
                ? TryParseUdpEndpoint(text, allowPortZero: true, out var udp, out string what, out string why) ? udp : throw InvalidAddress(text, given, what, why)
                : ParseAddress(text, given, allowPortZero: true));
        }

        int fd = ParseDescriptor(text, given);
        return given == ListenFd ? new ListenSource.ListeningDescriptor(fd) : new ListenSource.PreacceptedDescriptor(fd);
    }

    private static ConnectTarget ParseConnectTarget(Dictionary<OptionDefinition, string?> values)
    {
        var given = ExactlyOne(values, "a place to forward to", Connect, ConnectFd);
        string text = values[given]!;
        if (given == Connect && UdpAddress.IsUdp(text))
        {
            return TryParseUdpTarget(text, out var udp, out string what, out string why) ? udp : throw InvalidAddress(text, given, what, why);
        }

        return given == ConnectFd
            ? new ConnectTarget.ConnectedDescriptor(ParseDescriptor(text, given))
            : ParseTarget(text, given);
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

    // Given where it can have no effect, it would leave the user believing that only their proxies are trusted.
    private static void CheckAcceptProxyFrom(Dictionary<OptionDefinition, string?> values, BridgeSettings settings)
    {
        if (!values.ContainsKey(AcceptProxyFrom))
        {
            return;
        }

        if (!settings.Rules.Any(rule => rule.AcceptProxyHeader))
        {
            throw new UsageException($"{AcceptProxyFrom.Spellings} says whose PROXY header to believe: it needs {AcceptProxy.Spellings} (or a rule with accept-proxy = yes)");
        }

        if (settings.Rules.All(rule => rule.ListensOnUnixSocket || !rule.AcceptProxyHeader))
        {
            throw new UsageException($"{AcceptProxyFrom.Spellings} names IP prefixes, but {(settings.IsSingleForward ? "the listener is" : "every listener that reads a PROXY header is")} a UNIX socket, whose peers have no IP address: leave it out and restrict the socket with {UnixMode.Spellings} and {UnixOwner.Spellings}");
        }
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

    private static string Named(Dictionary<OptionDefinition, string?> values, params OptionDefinition[] options) =>
        string.Join(" and ", options.Where(values.ContainsKey).Select(o => o.Spellings));
}
