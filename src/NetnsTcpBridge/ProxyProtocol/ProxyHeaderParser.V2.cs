using System.Buffers.Binary;
using System.Net;

namespace NetnsTcpBridge.ProxyProtocol;

// Version 2: a 16-byte head (signature, version and command, family and transport, length), then
// the addresses and optional TLVs.
public static partial class ProxyHeaderParser
{
    internal const int V2HeadLength = 16;
    internal const byte V2CommandLocal = 0x0;
    internal const byte V2CommandProxy = 0x1;

    internal static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ProxyHeaderStatus TryParseV2(ReadOnlySpan<byte> received, out ProxyHeader header, out int length, out string problem)
    {
        header = default;
        length = 0;
        if (!StartsLike(received, V2Signature))
        {
            return Invalid($"bad v2 signature: got {Quote(received, V2Signature.Length)}", out problem);
        }

        if (received.Length < V2HeadLength)
        {
            return Incomplete(out problem);
        }

        int version = received[12] >> 4;
        int command = received[12] & 0xF;
        if (version != 2)
        {
            return Invalid($"v2 signature with version {version}; only 2 exists", out problem);
        }

        if (command is not (V2CommandLocal or V2CommandProxy))
        {
            return Invalid($"v2 command {command} is neither LOCAL (0) nor PROXY (1)", out problem);
        }

        int payload = BinaryPrimitives.ReadUInt16BigEndian(received[14..16]);
        if (payload > MaxV2PayloadLength)
        {
            return Invalid($"v2 header announces {payload} bytes of addresses and TLVs; at most {MaxV2PayloadLength} are accepted", out problem);
        }

        if (received.Length < V2HeadLength + payload)
        {
            return Incomplete(out problem);
        }

        length = V2HeadLength + payload;
        if (command == V2CommandLocal)
        {
            // The proxy's own connection (a health check): the address block, whatever it says, is ignored.
            header = new ProxyHeader(2, "LOCAL", null, null);
            problem = string.Empty;
            return ProxyHeaderStatus.Complete;
        }

        int family = received[13] >> 4;
        int transport = received[13] & 0xF;
        if (family > 3)
        {
            return Invalid($"v2 address family {family} is none of UNSPEC (0), INET (1), INET6 (2), UNIX (3)", out problem);
        }

        if (transport > 2)
        {
            return Invalid($"v2 transport protocol {transport} is none of UNSPEC (0), STREAM (1), DGRAM (2)", out problem);
        }

        int addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        if (payload < addressLength)
        {
            return Invalid($"v2 {FamilyName(family)} needs {addressLength} address bytes, the header has {payload}", out problem);
        }

        var addresses = received.Slice(V2HeadLength, addressLength);
        if (family != 0 && !TlvsAreWellFormed(received[(V2HeadLength + addressLength)..length], out problem))
        {
            return ProxyHeaderStatus.Invalid;
        }

        problem = string.Empty;
        string kind = (family, transport) switch
        {
            (1, 1) => "TCP4",
            (2, 1) => "TCP6",
            (1, 2) => "UDP4",
            (2, 2) => "UDP6",
            (3, _) => "UNIX",
            _ => "UNSPEC",
        };
        if (transport != 1 || family is not (1 or 2))
        {
            // Only TCP over IPv4/IPv6 is implemented; the spec lets a receiver fall back to the
            // connection's own endpoints for the other valid combinations.
            header = new ProxyHeader(2, kind, null, null);
            return ProxyHeaderStatus.Complete;
        }

        int size = family == 1 ? 4 : 16;
        var source = new IPAddress(addresses[..size]);
        var destination = new IPAddress(addresses.Slice(size, size));
        int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(addresses.Slice(2 * size, 2));
        int destinationPort = BinaryPrimitives.ReadUInt16BigEndian(addresses.Slice((2 * size) + 2, 2));
        header = new ProxyHeader(2, kind, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyHeaderStatus.Complete;
    }

    // Type (1 byte), length (2 bytes, big-endian), value: they must tile the rest of the header exactly.
    private static bool TlvsAreWellFormed(ReadOnlySpan<byte> tlvs, out string problem)
    {
        int offset = 0;
        while (offset < tlvs.Length)
        {
            if (tlvs.Length - offset < 3)
            {
                problem = $"v2 TLV area ends with {tlvs.Length - offset} stray byte(s)";
                return false;
            }

            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(tlvs.Slice(offset + 1, 2));
            if (offset + 3 + valueLength > tlvs.Length)
            {
                problem = $"v2 TLV of type 0x{tlvs[offset]:x2} announces {valueLength} bytes, only {tlvs.Length - offset - 3} are left in the header";
                return false;
            }

            offset += 3 + valueLength;
        }

        problem = string.Empty;
        return true;
    }

    private static string FamilyName(int family) => family switch
    {
        1 => "INET",
        2 => "INET6",
        3 => "UNIX",
        _ => "UNSPEC",
    };
}
