using System.Diagnostics.CodeAnalysis;
using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Relay;
using static NetnsTcpBridge.Cli.CommandLine.OptionDefinitions;

namespace NetnsTcpBridge.Cli.CommandLine;

// UDP forwards: udp: addresses, which side may be UDP with which, and the options of flows.
internal static partial class CommandLineParser
{
    /// <summary>The options that only TCP forwards use; refused when every forward is UDP, where they would do nothing.</summary>
    private static readonly OptionDefinition[] TcpOnlyOptions =
    [
        ConnectTimeout, IdleTimeout, KeepAlive, MaxConnections, MaxConnectionsPerSource, SourcePrefix, Backlog,
        OptionDefinitions.ProxyProtocol, ProxyProtocolLoopbackAs, AcceptProxy, AcceptProxyFrom, AcceptProxyTimeout,
        Copy, Threads, PipeSize, PipeMemoryBudget,
    ];

    /// <summary>udp:IP:PORT; what follows the prefix has the syntax of a TCP address.</summary>
    internal static bool TryParseUdpEndpoint(string text, bool allowPortZero, [NotNullWhen(true)] out EndPoint? endpoint, out string what, out string why)
    {
        bool valid = TcpAddress.TryParse(UdpAddress.WithoutPrefix(text), allowPortZero, out var ip, out string? error);
        (endpoint, what, why) = (ip, "UDP address", $"{error}; expected {UdpAddress.Syntax}");
        return valid;
    }

    /// <summary>udp:HOST:PORT, else udp:IP:PORT with port 0 refused.</summary>
    internal static bool TryParseUdpTarget(string text, [NotNullWhen(true)] out ConnectTarget? target, out string what, out string why)
    {
        if (HostName.TryParse(UdpAddress.WithoutPrefix(text), out string? host, out int port))
        {
            (target, what, why) = (new ConnectTarget.HostName(host, port), "", "");
            return true;
        }

        bool valid = TryParseUdpEndpoint(text, allowPortZero: false, out var endpoint, out what, out why);
        target = valid ? new ConnectTarget.Address(endpoint!) : null;
        if (!valid)
        {
            why = why.Replace($"expected {UdpAddress.Syntax}", $"expected udp:HOST:PORT or {UdpAddress.Syntax}", StringComparison.Ordinal);
        }

        return valid;
    }

    /// <summary>
    /// UDP when -l and -c are both udp: addresses, TCP when neither is; one without the other is
    /// refused, as is a UDP side with an inherited socket (-L, -S, -C, socket activation), which
    /// is a TCP one.
    /// </summary>
    private static ForwardProtocol ParseProtocol(Dictionary<OptionDefinition, string?> values)
    {
        bool udpListen = values.TryGetValue(Listen, out string? listen) && UdpAddress.IsUdp(listen!);
        bool udpConnect = values.TryGetValue(Connect, out string? connect) && UdpAddress.IsUdp(connect!);
        if (udpListen == udpConnect)
        {
            return udpListen ? ForwardProtocol.Udp : ForwardProtocol.Tcp;
        }

        if (udpConnect)
        {
            throw new UsageException(values.ContainsKey(Listen)
                ? $"{Connect.Spellings} is a UDP address but {Listen.Spellings} is not: write both as udp:IP:PORT (a UDP forward), or neither"
                : $"a UDP target ({Connect.Spellings} udp:...) needs {Listen.Spellings} udp:IP:PORT: {ListenFd.Spellings}, {PreacceptedFd.Spellings} and socket activation pass TCP sockets only");
        }

        throw new UsageException(values.ContainsKey(Connect)
            ? $"{Listen.Spellings} is a UDP address but {Connect.Spellings} is not: write both as udp:IP:PORT (a UDP forward), or neither"
            : $"a UDP listener ({Listen.Spellings} udp:...) needs {Connect.Spellings} udp:IP:PORT or udp:HOST:PORT: {ConnectFd.Spellings} passes a TCP socket only");
    }

    /// <summary>--udp-idle-timeout and --max-udp-flows, which need a UDP forward; the TCP options, which need a TCP one.</summary>
    private static RelayOptions ParseUdpOptions(Dictionary<OptionDefinition, string?> values, BridgeSettings settings, RelayOptions relay)
    {
        bool hasUdp = settings.Rules.Any(rule => rule.IsUdp);
        bool hasTcp = settings.Rules.Any(rule => !rule.IsUdp);
        foreach (var option in new[] { UdpIdleTimeout, MaxUdpFlows })
        {
            if (!hasUdp && values.ContainsKey(option))
            {
                throw new UsageException($"{option.Spellings} applies to UDP forwards, and there is none: write the addresses as udp:IP:PORT");
            }
        }

        if (!hasTcp && TcpOnlyOptions.FirstOrDefault(values.ContainsKey) is { } tcpOnly)
        {
            throw new UsageException($"{tcpOnly.Spellings} applies to TCP forwards, and every forward here is UDP (see {UdpIdleTimeout.Spellings} and {MaxUdpFlows.Spellings})");
        }

        if (values.TryGetValue(UdpIdleTimeout, out string? idle))
        {
            relay = relay with { UdpIdleTimeout = ParseSeconds(idle!, UdpIdleTimeout) };
        }

        if (values.TryGetValue(MaxUdpFlows, out string? flows))
        {
            relay = relay with { MaxUdpFlows = ParseCount(flows!, MaxUdpFlows, 1, 1_000_000) };
        }

        return relay;
    }
}
