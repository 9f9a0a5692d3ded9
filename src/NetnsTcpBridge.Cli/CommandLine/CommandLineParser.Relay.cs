using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;
using static NetnsTcpBridge.Cli.CommandLine.OptionDefinitions;

namespace NetnsTcpBridge.Cli.CommandLine;

// How the connector relays each connection: timeouts, keepalive, copy method, limits, threads, and the PROXY protocol.
internal static partial class CommandLineParser
{
    /// <summary>MAX_TCP_KEEPIDLE in the kernel.</summary>
    private const int MaxKeepAliveSeconds = 32767;

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
            if (idle.TotalSeconds > MaxKeepAliveSeconds)
            {
                // TCP_KEEPIDLE takes at most 32767 s; the kernel would refuse it and the option would silently do nothing.
                throw new UsageException($"invalid value '{keepAlive}' for {KeepAlive.Spellings}: at most {MaxKeepAliveSeconds} seconds (the kernel's limit for TCP_KEEPIDLE)");
            }

            relay = relay with { KeepAlive = new KeepAliveSettings(idle, TimeSpan.FromSeconds(Math.Max(1, Math.Round(idle.TotalSeconds / 3))), 3) };
        }

        if (values.TryGetValue(Copy, out string? copy))
        {
            relay = relay with
            {
                CopyMethod = Words.CopyMethod.TryParse(copy, out var method)
                    ? method
                    : throw new UsageException($"invalid value '{copy}' for {Copy.Spellings}: expected {Words.CopyMethod.Choices}"),
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

        if (values.TryGetValue(SourcePrefix, out string? prefix))
        {
            relay = relay with
            {
                SourcePrefixes = relay.MaxConnectionsPerSource is null
                    ? throw new UsageException($"{SourcePrefix.Spellings} says what {MaxConnectionsPerSource.Spellings} counts as one source: it needs {MaxConnectionsPerSource.Spellings} N")
                    : SourcePrefixes.TryParse(prefix!, out var prefixes)
                        ? prefixes
                        : throw new UsageException($"invalid value '{prefix}' for {SourcePrefix.Spellings}: expected an IPv4 prefix length from 0 to 32, then maybe a comma and an IPv6 one from 0 to 128, e.g. 24 or 24,56"),
            };
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

        if (values.TryGetValue(PipeMemoryBudget, out string? budget))
        {
            relay = relay with { PipeMemoryBudget = ParseSize(budget!, PipeMemoryBudget) };
        }

        return relay;
    }

    // The PROXY settings shared by every forward; whether each sends or reads a header is its own (RuleDefaults).
    private static RelayOptions ParseProxyProtocolOptions(Dictionary<OptionDefinition, string?> values, RelayOptions relay)
    {
        if (values.TryGetValue(ProxyProtocolLoopbackAs, out string? loopbackAs))
        {
            relay = relay with
            {
                ProxyLoopbackSource = System.Net.IPAddress.TryParse(loopbackAs, out var address) && loopbackAs!.All(c => char.IsAsciiHexDigit(c) || c is '.' or ':')
                    && (loopbackAs.Contains(':', StringComparison.Ordinal) || loopbackAs.Split('.').Length == 4)
                    ? address
                    : throw new UsageException($"invalid value '{loopbackAs}' for {ProxyProtocolLoopbackAs.Spellings}: expected an IPv4 or IPv6 address such as 192.0.2.1"),
            };
        }

        return values.TryGetValue(AcceptProxyTimeout, out string? timeout)
            ? relay with { ProxyHeaderTimeout = ParseSeconds(timeout!, AcceptProxyTimeout) }
            : relay;
    }

    private static TrustedProxies? ParseTrustedProxies(Dictionary<OptionDefinition, string?> values) =>
        !values.TryGetValue(AcceptProxyFrom, out string? list) ? null
        : TrustedProxies.TryParse(list!, out var trusted, out string? error) ? trusted
        : throw new UsageException($"invalid value '{list}' for {AcceptProxyFrom.Spellings}: {error}");

    private static ProxyProtocolVersion ParseProxyProtocolVersion(Dictionary<OptionDefinition, string?> values) =>
        !values.TryGetValue(OptionDefinitions.ProxyProtocol, out string? version) ? ProxyProtocolVersion.None
        : Words.ProxyProtocol.TryParse(version, out var parsed) ? parsed
        : throw new UsageException($"invalid value '{version}' for {OptionDefinitions.ProxyProtocol.Spellings}: expected {Words.ProxyProtocol.Choices}");
}
