using System.Globalization;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Bridge;

/// <summary>
/// What the listener tells the connector in the first hand-over record, as <c>key=value</c> lines.
/// When the relay has no target, the record carries the pre-connected socket instead.
/// </summary>
internal sealed record ConnectorSettings(RelayOptions Relay, bool OneShot, LogLevel LogLevel)
{
    /// <summary>--log-format: the connector writes to the same stderr, in the same format.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Whether lines carry a timestamp (not under journald), decided once by the listener for both parts.</summary>
    public bool LogTimestamps { get; init; }

    /// <summary>Whether the connector inherited a statistics link (at fd 4) and answers the listener's requests for its counters on it.</summary>
    public bool ServesMetrics { get; init; }

    /// <summary>The user the connector switches to once set up; null stays as started.</summary>
    public RunAsUser? RunAs { get; init; }

    /// <summary>
    /// True: the one client follows in a Client record (-S, or socket activation with
    /// Accept=yes). False: a Listening record follows for each route, and the connector accepts.
    /// </summary>
    public bool Preaccepted { get; init; }

    public string Format()
    {
        var text = new KeyValueWriter();
        for (int i = 0; i < Relay.Routes.Count; i++)
        {
            WriteRoute(text, $"route.{i}.", Relay.Routes[i]);
        }

        if (Relay.Routes.Any(route => route.Udp))
        {
            text.AddMilliseconds("udp-idle-timeout-ms", Relay.UdpIdleTimeout).Add("max-udp-flows", Relay.MaxUdpFlows);
        }

        text.AddMilliseconds("connect-timeout-ms", Relay.ConnectTimeout)
            .Add("copy", Words.CopyMethod.Word(Relay.CopyMethod))
            .Add("threads", Relay.Threads)
            .Add("pipe-size", Relay.PipeSize)
            .Add("pipe-memory-budget", Relay.PipeMemoryBudget);
        if (Relay.MaxConnections != int.MaxValue)
        {
            text.Add("max-connections", Relay.MaxConnections);
        }

        if (Relay.MaxConnectionsPerSource is { } perSource)
        {
            text.Add("max-connections-per-source", perSource).Add("source-prefix", Relay.SourcePrefixes.Format());
        }

        if (Relay.IdleTimeout is { } idle)
        {
            text.AddMilliseconds("idle-timeout-ms", idle);
        }

        if (Relay.KeepAlive is { } keepAlive)
        {
            text.Add("keepalive", $"{(long)keepAlive.Idle.TotalSeconds},{(long)keepAlive.Interval.TotalSeconds},{keepAlive.Probes}");
        }

        if (Relay.ProxyLoopbackSource is { } loopbackAs)
        {
            text.Add("proxy-protocol-loopback-as", loopbackAs.ToString());
        }

        if (Relay.Routes.Any(route => route.AcceptProxyHeader))
        {
            text.AddMilliseconds("accept-proxy-timeout-ms", Relay.ProxyHeaderTimeout);
        }

        text.AddFlag("one-shot", OneShot)
            .AddFlag("preaccepted", Preaccepted)
            .Add("log-level", (int)LogLevel)
            .Add("log-format", Words.LogFormat.Word(LogFormat))
            .AddFlag("log-timestamps", LogTimestamps)
            .AddFlag("metrics", ServesMetrics);
        if (RunAs is { } user)
        {
            text.Add("user", $"{user.UserId}:{user.GroupId}");
        }

        return text.ToString();
    }

    public static ConnectorSettings Parse(string text)
    {
        var values = new KeyValueReader(text, "connector settings");
        var routes = new List<RelayRoute>();
        for (int i = 0; values.Has($"route.{i}.connect"); i++)
        {
            routes.Add(ReadRoute(values, $"route.{i}."));
        }

        var relay = new RelayOptions
        {
            Routes = routes.Count > 0 ? routes : throw values.Malformed("route.0.connect missing"),
            UdpIdleTimeout = values.TakeOptionalMilliseconds("udp-idle-timeout-ms") ?? RelayOptions.DefaultUdpIdleTimeout,
            MaxUdpFlows = (int?)values.TakeOptionalNumber("max-udp-flows") ?? RelayOptions.DefaultMaxUdpFlows,
            ConnectTimeout = values.TakeMilliseconds("connect-timeout-ms"),
            CopyMethod = values.TakeWord("copy", Words.CopyMethod, CopyMethod.Splice),
            Threads = values.TakeInt("threads"),
            PipeSize = values.TakeInt("pipe-size"),
            PipeMemoryBudget = values.TakeNumber("pipe-memory-budget"),
            MaxConnections = (int?)values.TakeOptionalNumber("max-connections") ?? int.MaxValue,
            MaxConnectionsPerSource = (int?)values.TakeOptionalNumber("max-connections-per-source"),
            SourcePrefixes = values.TakeParsed<SourcePrefixes>("source-prefix", value => SourcePrefixes.TryParse(value, out var prefixes) ? (prefixes, null) : (null, "not a prefix length pair")) ?? SourcePrefixes.Default,
            IdleTimeout = values.TakeOptionalMilliseconds("idle-timeout-ms"),
            KeepAlive = values.TakeParsed("keepalive", ParseKeepAlive),
            ProxyLoopbackSource = values.TakeParsed<System.Net.IPAddress>("proxy-protocol-loopback-as", value => System.Net.IPAddress.TryParse(value, out var address) ? (address, null) : (null, "not an IP address")),
            ProxyHeaderTimeout = values.TakeOptionalMilliseconds("accept-proxy-timeout-ms") ?? RelayOptions.DefaultProxyHeaderTimeout,
        };
        var settings = new ConnectorSettings(relay, values.TakeFlag("one-shot"), (LogLevel)values.TakeInt("log-level"))
        {
            Preaccepted = values.TakeFlag("preaccepted"),
            LogFormat = values.TakeWord("log-format", Words.LogFormat, LogFormat.Text),
            LogTimestamps = values.TakeFlag("log-timestamps"),
            ServesMetrics = values.TakeFlag("metrics"),
            RunAs = values.TakeParsed("user", ParseUser),
        };
        values.EnsureEmpty();
        return settings;
    }

    // Every route the same way: a single forward is route 0 like any rule's.
    private static void WriteRoute(KeyValueWriter text, string prefix, RelayRoute route)
    {
        // A route without targets is the pre-connected socket's (-C): the key is there, empty.
        text.Add(prefix + "connect", string.Join(",", route.Targets.Select(TcpAddress.Format)));
        if (route.Name is not null)
        {
            text.Add(prefix + "name", route.Name);
        }

        text.AddFlag(prefix + "udp", route.Udp);
        if (route.SendProxyHeader != ProxyProtocolVersion.None)
        {
            text.Add(prefix + "proxy-protocol", Words.ProxyProtocol.Word(route.SendProxyHeader));
        }

        text.AddFlag(prefix + "accept-proxy", route.AcceptProxyHeader);
        if (route.AcceptProxyHeader && route.AcceptProxyFrom is not null)
        {
            text.Add(prefix + "accept-proxy-from", route.AcceptProxyFrom.ToString());
        }
    }

    private static RelayRoute ReadRoute(KeyValueReader values, string prefix)
    {
        string targets = values.Take(prefix + "connect");

        // A UNIX path may hold a comma; it is always a single target.
        IReadOnlyList<System.Net.EndPoint> endpoints = targets.Length == 0 ? []
            : UnixAddress.IsUnix(targets) ? [ParseTarget(targets)]
            : [.. targets.Split(',').Select(ParseTarget)];
        return new RelayRoute(values.TakeOptional(prefix + "name"), endpoints)
        {
            Udp = values.TakeFlag(prefix + "udp"),
            SendProxyHeader = values.TakeWord(prefix + "proxy-protocol", Words.ProxyProtocol, ProxyProtocolVersion.None),
            AcceptProxyHeader = values.TakeFlag(prefix + "accept-proxy"),
            AcceptProxyFrom = values.TakeParsed<TrustedProxies>(prefix + "accept-proxy-from", value => TrustedProxies.TryParse(value, out var trusted, out string? error) ? (trusted, null) : (null, error)),
        };
    }

    private static System.Net.EndPoint ParseTarget(string value)
    {
        if (UnixAddress.IsUnix(value))
        {
            return UnixAddress.TryParse(value, out var unix, out string? unixError)
                ? unix
                : throw new InvalidDataException($"connector settings: connect={value}: {unixError}");
        }

        return TcpAddress.TryParse(value, allowPortZero: false, out var endpoint, out string? error)
            ? endpoint
            : throw new InvalidDataException($"connector settings: connect={value}: {error}");
    }

    private static (RunAsUser? Value, string? Error) ParseUser(string value)
    {
        string[] ids = value.Split(':');
        return ids.Length == 2
            && uint.TryParse(ids[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint userId)
            && uint.TryParse(ids[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint groupId)
            ? (new RunAsUser(userId, groupId, value), null)
            : (null, "expected UID:GID");
    }

    private static (KeepAliveSettings? Value, string? Error) ParseKeepAlive(string value)
    {
        string[] parts = value.Split(',');
        return parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long idle)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long interval)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int probes)
            ? (new KeepAliveSettings(TimeSpan.FromSeconds(idle), TimeSpan.FromSeconds(interval), probes), null)
            : (null, "expected IDLE,INTERVAL,PROBES");
    }
}
