using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetnsTcpBridge.ProxyProtocol;

// Version 1: "PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n", or "PROXY UNKNOWN[ anything]\r\n".
public static partial class ProxyHeaderParser
{
    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static ProxyHeaderStatus TryParseV1(ReadOnlySpan<byte> received, out ProxyHeader header, out int length, out string problem)
    {
        header = default;
        length = 0;
        if (!StartsLike(received, V1Prefix))
        {
            return Invalid($"bad v1 signature: expected \"PROXY \", got {Quote(received, V1Prefix.Length)}", out problem);
        }

        // The line ends at the first CR or LF, which must be a CR followed by an LF, all within
        // the first 107 bytes.
        var window = received[..Math.Min(received.Length, MaxV1Length)];
        int end = window.IndexOfAny((byte)'\r', (byte)'\n');
        if (end < 0)
        {
            return received.Length >= MaxV1Length
                ? Invalid($"v1 line without CRLF in its first {MaxV1Length} bytes", out problem)
                : Incomplete(out problem);
        }

        if (window[end] == '\n')
        {
            return Invalid("v1 line ends with a bare LF; CRLF expected", out problem);
        }

        if (end + 1 >= MaxV1Length)
        {
            return Invalid($"v1 line without CRLF in its first {MaxV1Length} bytes", out problem);
        }

        if (end + 1 >= received.Length)
        {
            return Incomplete(out problem);
        }

        if (received[end + 1] != '\n')
        {
            return Invalid("v1 line has a CR not followed by LF", out problem);
        }

        var line = received[V1Prefix.Length..end];
        foreach (byte b in line)
        {
            if (b is < 0x20 or >= 0x7F)
            {
                return Invalid($"v1 line holds the byte 0x{b:x2}; only printable US-ASCII is allowed", out problem);
            }
        }

        string[] fields = Encoding.ASCII.GetString(line).Split(' ');
        if (fields[0] == "UNKNOWN")
        {
            // The spec: whatever follows UNKNOWN up to the CRLF is ignored.
            length = end + 2;
            header = new ProxyHeader(1, "UNKNOWN", null, null);
            problem = string.Empty;
            return ProxyHeaderStatus.Complete;
        }

        var family = fields[0] switch
        {
            "TCP4" => AddressFamily.InterNetwork,
            "TCP6" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (family == AddressFamily.Unknown)
        {
            return Invalid($"v1 protocol {Quote(Encoding.ASCII.GetBytes(fields[0]), 16)} is none of TCP4, TCP6, UNKNOWN", out problem);
        }

        if (fields.Length != 5 || fields.Any(f => f.Length == 0))
        {
            return Invalid($"v1 line must be \"PROXY {fields[0]} SRC DST SPORT DPORT\" with single spaces, got {Quote(received[..end], MaxV1Length)}", out problem);
        }

        if (!TryParseV1Address(fields[1], family, out var source, out problem)
            || !TryParseV1Address(fields[2], family, out var destination, out problem)
            || !TryParseV1Port(fields[3], out int sourcePort, out problem)
            || !TryParseV1Port(fields[4], out int destinationPort, out problem))
        {
            return ProxyHeaderStatus.Invalid;
        }

        length = end + 2;
        header = new ProxyHeader(1, fields[0], new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyHeaderStatus.Complete;
    }

    // IPv4: exactly four decimal numbers 0..255 without leading zeros. IPv6: hex groups and colons
    // (an embedded dotted IPv4 tail allowed), no brackets, no zone.
    private static bool TryParseV1Address(string text, AddressFamily family, out IPAddress address, out string problem)
    {
        address = IPAddress.None;
        problem = string.Empty;
        bool wellFormed = family == AddressFamily.InterNetwork
            ? text.Split('.') is { Length: 4 } parts && parts.All(IsDecimalWithoutLeadingZero)
            : text.Contains(':', StringComparison.Ordinal) && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.');
        if (wellFormed && IPAddress.TryParse(text, out var parsed) && parsed.AddressFamily == family)
        {
            address = parsed;
            return true;
        }

        problem = $"v1 address '{text}' is not an {(family == AddressFamily.InterNetwork ? "IPv4 address as TCP4 requires" : "IPv6 address as TCP6 requires")}";
        return false;
    }

    private static bool TryParseV1Port(string text, out int port, out string problem)
    {
        port = 0;
        problem = string.Empty;
        if (IsDecimalWithoutLeadingZero(text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort)
        {
            return true;
        }

        problem = $"v1 port '{text}' is not a number from 0 to 65535 without leading zeros";
        return false;
    }

    private static bool IsDecimalWithoutLeadingZero(string text) =>
        text.Length is >= 1 and <= 5 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0');
}
