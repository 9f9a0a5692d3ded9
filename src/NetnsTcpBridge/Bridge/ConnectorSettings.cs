using System.Globalization;
using System.Text;
using NetnsTcpBridge.Endpoints;
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
        var text = new StringBuilder();
        void Line(string key, object value) => text.Append(CultureInfo.InvariantCulture, $"{key}={value}\n");
        if (Relay.Target is not null)
        {
            Line("connect", TcpAddress.Format(Relay.Target));
        }

        if (Relay.AlternateTargets.Count > 0)
        {
            Line("connect-also", string.Join(",", Relay.AlternateTargets.Select(TcpAddress.Format)));
        }

        if (Relay.RouteName is not null)
        {
            Line("name", Relay.RouteName);
        }

        for (int i = 0; i < Relay.MoreRoutes.Count; i++)
        {
            var route = Relay.MoreRoutes[i];
            string prefix = $"route.{i + 1}.";
            if (route.Name is not null)
            {
                Line(prefix + "name", route.Name);
            }

            Line(prefix + "connect", string.Join(",", route.Targets.Select(TcpAddress.Format)));
            ProxyLines(prefix, route.SendProxyHeader, route.AcceptProxyHeader, route.AcceptProxyFrom);
            if (route.Udp)
            {
                Line(prefix + "udp", 1);
            }
        }

        if (Relay.Udp)
        {
            Line("udp", 1);
        }

        if (Relay.AllRoutes().Any(route => route.Udp))
        {
            Line("udp-idle-timeout-ms", (long)Relay.UdpIdleTimeout.TotalMilliseconds);
            Line("max-udp-flows", Relay.MaxUdpFlows);
        }

        Line("connect-timeout-ms", (long)Relay.ConnectTimeout.TotalMilliseconds);
        Line("copy", Relay.CopyMethod == CopyMethod.Splice ? "splice" : "buffered");
        Line("threads", Relay.Threads);
        Line("pipe-size", Relay.PipeSize);
        if (Relay.PipeMemoryBudget != RelayOptions.DefaultPipeMemoryBudget)
        {
            Line("pipe-memory-budget", Relay.PipeMemoryBudget);
        }

        if (Relay.MaxConnections != int.MaxValue)
        {
            Line("max-connections", Relay.MaxConnections);
        }

        if (Relay.MaxConnectionsPerSource is { } perSource)
        {
            Line("max-connections-per-source", perSource);
            Line("source-prefix", Relay.SourcePrefixes.Format());
        }

        if (Relay.IdleTimeout is { } idle)
        {
            Line("idle-timeout-ms", (long)idle.TotalMilliseconds);
        }

        if (Relay.KeepAlive is { } keepAlive)
        {
            Line("keepalive", $"{(long)keepAlive.Idle.TotalSeconds},{(long)keepAlive.Interval.TotalSeconds},{keepAlive.Probes}");
        }

        ProxyLines(string.Empty, Relay.SendProxyHeader, Relay.AcceptProxyHeader, Relay.AcceptProxyFrom);
        if (Relay.ProxyLoopbackSource is { } loopbackAs)
        {
            Line("proxy-protocol-loopback-as", loopbackAs);
        }

        if (Relay.AcceptProxyHeader || Relay.MoreRoutes.Any(route => route.AcceptProxyHeader))
        {
            Line("accept-proxy-timeout-ms", (long)Relay.ProxyHeaderTimeout.TotalMilliseconds);
        }

        Line("one-shot", OneShot ? 1 : 0);
        if (Preaccepted)
        {
            Line("preaccepted", 1);
        }

        Line("log-level", (int)LogLevel);
        if (LogFormat == LogFormat.Json)
        {
            Line("log-format", "json");
        }

        if (LogTimestamps)
        {
            Line("log-timestamps", 1);
        }

        if (ServesMetrics)
        {
            Line("metrics", 1);
        }

        if (RunAs is { } user)
        {
            Line("user", $"{user.UserId}:{user.GroupId}");
        }

        return text.ToString();

        // Per route, and only when on: a bridge without the PROXY protocol sends no such line.
        void ProxyLines(string prefix, ProxyProtocolVersion send, bool accept, TrustedProxies? from)
        {
            if (send != ProxyProtocolVersion.None)
            {
                Line(prefix + "proxy-protocol", send == ProxyProtocolVersion.V1 ? "v1" : "v2");
            }

            if (accept)
            {
                Line(prefix + "accept-proxy", 1);
            }

            if (accept && from is not null)
            {
                Line(prefix + "accept-proxy-from", from);
            }
        }
    }

    public static ConnectorSettings Parse(string text)
    {
        var values = new Dictionary<string, string>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0 || !values.TryAdd(line[..equals], line[(equals + 1)..]))
            {
                throw new InvalidDataException($"connector settings: malformed or repeated line '{line}'");
            }
        }

        string Take(string key) => values.Remove(key, out string? value)
            ? value
            : throw new InvalidDataException($"connector settings: {key} missing");
        int Number(string value) => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
        long Milliseconds(string value) => long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);

        var relay = new RelayOptions
        {
            Target = values.ContainsKey("connect") ? ParseTarget(Take("connect")) : null,
            AlternateTargets = values.ContainsKey("connect-also") ? [.. Take("connect-also").Split(',').Select(ParseTarget)] : [],
            ConnectTimeout = TimeSpan.FromMilliseconds(Milliseconds(Take("connect-timeout-ms"))),
            CopyMethod = Take("copy") switch
            {
                "splice" => CopyMethod.Splice,
                "buffered" => CopyMethod.Buffered,
                var other => throw new InvalidDataException($"connector settings: unknown copy method '{other}'"),
            },
            Threads = Number(Take("threads")),
            PipeSize = Number(Take("pipe-size")),
            PipeMemoryBudget = values.ContainsKey("pipe-memory-budget") ? Milliseconds(Take("pipe-memory-budget")) : RelayOptions.DefaultPipeMemoryBudget,
            KeepAlive = values.ContainsKey("keepalive") ? ParseKeepAlive(Take("keepalive")) : null,
            MaxConnections = values.ContainsKey("max-connections") ? Number(Take("max-connections")) : int.MaxValue,
            MaxConnectionsPerSource = values.ContainsKey("max-connections-per-source") ? Number(Take("max-connections-per-source")) : null,
            IdleTimeout = values.ContainsKey("idle-timeout-ms") ? TimeSpan.FromMilliseconds(Milliseconds(Take("idle-timeout-ms"))) : null,
            SendProxyHeader = ParseProxyProtocol(values, string.Empty),
            AcceptProxyHeader = ParseAcceptProxy(values, string.Empty),
            AcceptProxyFrom = ParseAcceptProxyFrom(values, string.Empty),
            RouteName = values.ContainsKey("name") ? Take("name") : null,
            Udp = ParseUdp(values, string.Empty),
            UdpIdleTimeout = values.ContainsKey("udp-idle-timeout-ms") ? TimeSpan.FromMilliseconds(Milliseconds(Take("udp-idle-timeout-ms"))) : RelayOptions.DefaultUdpIdleTimeout,
            MaxUdpFlows = values.ContainsKey("max-udp-flows") ? Number(Take("max-udp-flows")) : RelayOptions.DefaultMaxUdpFlows,
        };
        if (values.Remove("source-prefix", out string? prefix))
        {
            relay = relay with { SourcePrefixes = SourcePrefixes.TryParse(prefix, out var prefixes) ? prefixes : throw new InvalidDataException($"connector settings: source-prefix={prefix}") };
        }

        if (values.ContainsKey("proxy-protocol-loopback-as"))
        {
            string loopbackAs = Take("proxy-protocol-loopback-as");
            relay = relay with { ProxyLoopbackSource = System.Net.IPAddress.TryParse(loopbackAs, out var address) ? address : throw new InvalidDataException($"connector settings: proxy-protocol-loopback-as={loopbackAs}") };
        }

        if (values.ContainsKey("accept-proxy-timeout-ms"))
        {
            relay = relay with { ProxyHeaderTimeout = TimeSpan.FromMilliseconds(long.Parse(Take("accept-proxy-timeout-ms"), NumberStyles.None, CultureInfo.InvariantCulture)) };
        }

        var moreRoutes = new List<RelayRoute>();
        for (int i = 1; values.ContainsKey($"route.{i}.connect"); i++)
        {
            string? name = values.ContainsKey($"route.{i}.name") ? Take($"route.{i}.name") : null;
            string targets = Take($"route.{i}.connect");

            // A UNIX path may hold a comma; it is always a single target.
            moreRoutes.Add(new RelayRoute(name, UnixAddress.IsUnix(targets) ? [ParseTarget(targets)] : [.. targets.Split(',').Select(ParseTarget)])
            {
                SendProxyHeader = ParseProxyProtocol(values, $"route.{i}."),
                AcceptProxyHeader = ParseAcceptProxy(values, $"route.{i}."),
                AcceptProxyFrom = ParseAcceptProxyFrom(values, $"route.{i}."),
                Udp = ParseUdp(values, $"route.{i}."),
            });
        }

        relay = relay with { MoreRoutes = moreRoutes.Count > 0 ? moreRoutes : Array.Empty<RelayRoute>() };
        bool oneShot = Take("one-shot") == "1";
        var level = (LogLevel)Number(Take("log-level"));
        var format = !values.ContainsKey("log-format") ? LogFormat.Text : Take("log-format") switch
        {
            "json" => LogFormat.Json,
            "text" => LogFormat.Text,
            var other => throw new InvalidDataException($"connector settings: unknown log format '{other}'"),
        };
        bool timestamps = values.ContainsKey("log-timestamps") && Take("log-timestamps") == "1";
        bool metrics = values.ContainsKey("metrics") && Take("metrics") == "1";
        bool preaccepted = values.ContainsKey("preaccepted") && Take("preaccepted") == "1";
        var user = values.ContainsKey("user") ? ParseUser(Take("user")) : null;
        if (values.Count > 0)
        {
            throw new InvalidDataException($"connector settings: unknown key '{values.Keys.First()}'");
        }

        return new ConnectorSettings(relay, oneShot, level) { LogFormat = format, LogTimestamps = timestamps, ServesMetrics = metrics, RunAs = user, Preaccepted = preaccepted };
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

    private static RunAsUser ParseUser(string value)
    {
        string[] ids = value.Split(':');
        return ids.Length == 2
            && uint.TryParse(ids[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint userId)
            && uint.TryParse(ids[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint groupId)
            ? new RunAsUser(userId, groupId, value)
            : throw new InvalidDataException($"connector settings: user={value}");
    }

    // Takes the route's PROXY lines out of the values, so that what is left is unknown.
    private static ProxyProtocolVersion ParseProxyProtocol(Dictionary<string, string> values, string prefix) =>
        !values.Remove(prefix + "proxy-protocol", out string? value) ? ProxyProtocolVersion.None : value switch
        {
            "v1" => ProxyProtocolVersion.V1,
            "v2" => ProxyProtocolVersion.V2,
            _ => throw new InvalidDataException($"connector settings: unknown {prefix}proxy-protocol '{value}'"),
        };

    private static bool ParseUdp(Dictionary<string, string> values, string prefix) =>
        values.Remove(prefix + "udp", out string? value)
        && (value == "1" ? true : throw new InvalidDataException($"connector settings: {prefix}udp={value}"));

    private static bool ParseAcceptProxy(Dictionary<string, string> values, string prefix) =>
        values.Remove(prefix + "accept-proxy", out string? value)
        && (value == "1" ? true : throw new InvalidDataException($"connector settings: {prefix}accept-proxy={value}"));

    private static TrustedProxies? ParseAcceptProxyFrom(Dictionary<string, string> values, string prefix) =>
        !values.Remove(prefix + "accept-proxy-from", out string? value) ? null
        : TrustedProxies.TryParse(value, out var trusted, out string? error) ? trusted
        : throw new InvalidDataException($"connector settings: {prefix}accept-proxy-from={value}: {error}");

    private static KeepAliveSettings ParseKeepAlive(string value)
    {
        string[] parts = value.Split(',');
        if (parts.Length != 3)
        {
            throw new InvalidDataException($"connector settings: keepalive={value}");
        }

        return new KeepAliveSettings(
            TimeSpan.FromSeconds(long.Parse(parts[0], CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(long.Parse(parts[1], CultureInfo.InvariantCulture)),
            int.Parse(parts[2], CultureInfo.InvariantCulture));
    }
}
