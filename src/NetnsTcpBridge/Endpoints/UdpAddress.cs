using System.Net;

namespace NetnsTcpBridge.Endpoints;

/// <summary>
/// The <c>udp:</c> prefix that turns an address of <c>-l</c>, <c>-c</c> or a rule into a UDP one:
/// <c>udp:127.0.0.53:53</c>, <c>udp:[::1]:53</c>, and for a target <c>udp:HOST:PORT</c>. What
/// follows the prefix has the syntax of a TCP address (<see cref="TcpAddress"/>, <see cref="HostName"/>).
/// </summary>
public static class UdpAddress
{
    public const string Prefix = "udp:";

    public const string Syntax = "udp:IP:PORT such as udp:127.0.0.53:53 or udp:[::1]:53";

    public static bool IsUdp(string text) => text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The address without its prefix.</summary>
    public static string WithoutPrefix(string text) => IsUdp(text) ? text[Prefix.Length..] : text;

    /// <summary>Formats an endpoint as users write a UDP one: <c>udp:127.0.0.1:53</c>, <c>udp:[::1]:53</c>.</summary>
    public static string Format(EndPoint? endpoint) => Prefix + TcpAddress.Format(endpoint);
}
