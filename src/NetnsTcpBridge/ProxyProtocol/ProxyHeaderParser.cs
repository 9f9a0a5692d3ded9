using System.Text;

namespace NetnsTcpBridge.ProxyProtocol;

/// <summary>
/// Strict parser of PROXY protocol headers, versions 1 and 2, told apart by their first bytes
/// (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt).
/// </summary>
/// <remarks>
/// It is given the bytes peeked so far and says whether they hold a complete header, may still
/// become one, or never will; so the caller can consume exactly the header and not one byte of
/// payload. Bounded: a v1 line is at most 107 bytes with its CRLF; a v2 header at most 16 bytes
/// plus <see cref="MaxV2PayloadLength"/> (our limit: the spec allows 65535, but addresses take at
/// most 216 bytes and the TLVs proxies send in practice (ALPN, authority, SSL, unique id, cloud
/// endpoint ids) fit easily in the rest).
/// </remarks>
public static partial class ProxyHeaderParser
{
    /// <summary>Longest v1 line, CRLF included ("PROXY UNKNOWN" with two full IPv6 addresses and ports).</summary>
    public const int MaxV1Length = 107;

    /// <summary>Most address and TLV bytes accepted after the 16-byte head of a v2 header.</summary>
    public const int MaxV2PayloadLength = 2048;

    /// <summary>The most bytes a valid header can span: enough to peek any of them whole.</summary>
    public const int MaxLength = V2HeadLength + MaxV2PayloadLength;

    /// <summary>
    /// Parses the start of <paramref name="received"/>. On <see cref="ProxyHeaderStatus.Complete"/>,
    /// <paramref name="length"/> is the header's length, which may be less than what was received
    /// (the client's first bytes follow it); on <see cref="ProxyHeaderStatus.Invalid"/>,
    /// <paramref name="problem"/> says what is wrong in a few words (empty otherwise).
    /// </summary>
    public static ProxyHeaderStatus TryParse(ReadOnlySpan<byte> received, out ProxyHeader header, out int length, out string problem)
    {
        header = default;
        length = 0;
        if (received.IsEmpty)
        {
            return Incomplete(out problem);
        }

        return received[0] switch
        {
            (byte)'P' => TryParseV1(received, out header, out length, out problem),
            0x0D => TryParseV2(received, out header, out length, out problem),
            _ => Invalid($"not a PROXY protocol header: it starts with {Quote(received, 16)}", out problem),
        };
    }

    private static ProxyHeaderStatus Invalid(string why, out string problem)
    {
        problem = why;
        return ProxyHeaderStatus.Invalid;
    }

    private static ProxyHeaderStatus Incomplete(out string problem)
    {
        problem = string.Empty;
        return ProxyHeaderStatus.Incomplete;
    }

    /// <summary>True when the bytes received so far agree with <paramref name="expected"/> as far as they go.</summary>
    private static bool StartsLike(ReadOnlySpan<byte> received, ReadOnlySpan<byte> expected)
    {
        int common = Math.Min(received.Length, expected.Length);
        return received[..common].SequenceEqual(expected[..common]);
    }

    /// <summary>Up to <paramref name="limit"/> bytes as text for a message: printable ASCII as is, the rest as \xNN.</summary>
    internal static string Quote(ReadOnlySpan<byte> bytes, int limit)
    {
        var text = new StringBuilder("\"");
        foreach (byte b in bytes[..Math.Min(bytes.Length, limit)])
        {
            text.Append(b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:x2}");
        }

        return text.Append(bytes.Length > limit ? "\"..." : "\"").ToString();
    }
}
