using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.Endpoints;

/// <summary>Parses the original tool's socket address syntax: <c>127.0.0.1:1234</c> or <c>[::1]:1234</c>.</summary>
public static class TcpAddress
{
    public const string Syntax = "IP:PORT such as 127.0.0.1:1234 or [::1]:1234";

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string text, bool allowPortZero, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        string hostPart;
        string portPart;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = "an IPv6 address needs the form [ADDRESS]:PORT";
                return false;
            }

            hostPart = text[1..close];
            portPart = text[(close + 2)..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                error = "the port is missing";
                return false;
            }

            hostPart = text[..colon];
            portPart = text[(colon + 1)..];
            if (hostPart.Contains(':', StringComparison.Ordinal))
            {
                error = "an IPv6 address must be in brackets, e.g. [::1]:1234";
                return false;
            }
        }

        if (!IPAddress.TryParse(hostPart, out var address) || !IsExpectedFamily(address, text.StartsWith('[')))
        {
            error = $"'{hostPart}' is not an IP address (host names are not accepted here)";
            return false;
        }

        if (!IsCanonicalInput(hostPart, address))
        {
            error = $"'{hostPart}' is not an IP address in the form of four decimal numbers without leading zeros (a leading zero would read as octal)";
            return false;
        }

        if (portPart.Length == 0 || !portPart.All(char.IsAsciiDigit)
            || !int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port > IPEndPoint.MaxPort || (port == 0 && !allowPortZero))
        {
            error = $"port '{portPart}' is not a number from {(allowPortZero ? 0 : 1)} to {IPEndPoint.MaxPort}";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        error = null;
        return true;
    }

    /// <summary>Formats an endpoint the way users write it: brackets around IPv6.</summary>
    public static string Format(EndPoint? endpoint) => endpoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        UnixDomainSocketEndPoint unix => UnixAddress.Format(unix),
        null => "(unknown)",
        _ => endpoint.ToString() ?? "(unknown)",
    };

    // IPAddress.TryParse also accepts forms such as "1" or "0x7f.1"; only dotted quads outside
    // brackets and IPv6 inside them are the syntax users of the original expect.
    private static bool IsExpectedFamily(IPAddress address, bool bracketed) => bracketed
        ? address.AddressFamily == AddressFamily.InterNetworkV6
        : address.AddressFamily == AddressFamily.InterNetwork;

    // "127.1" parses as 127.0.0.1 and "010.0.0.1" as 8.0.0.1 (octal); insist that what the user
    // typed was four decimal parts without leading zeros, as the original's parser does.
    internal static bool IsCanonicalInput(string typed, IPAddress address) =>
        address.AddressFamily != AddressFamily.InterNetwork
        || typed.Split('.') is { Length: 4 } parts && parts.All(IsDecimalOctet);

    private static bool IsDecimalOctet(string part) =>
        part.Length is >= 1 and <= 3 && part.All(char.IsAsciiDigit) && (part.Length == 1 || part[0] != '0');
}
