using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Unicode;

namespace NetnsTcpBridge.ProxyProtocol;

/// <summary>Formats the PROXY protocol header the bridge writes to the target.</summary>
/// <remarks>
/// TCP over IPv4 or IPv6: v1 <c>PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n</c>, v2 the PROXY command
/// with AF_INET/AF_INET6 and STREAM. Without usable addresses (a UNIX-socket client, or endpoints
/// that cannot be read): v1 <c>PROXY UNKNOWN\r\n</c>, v2 the LOCAL command with family UNSPEC and no
/// address block, as haproxy sends for such connections: the receiver then uses the connection's
/// own endpoints. An IPv4 client of a dual-stack IPv6 socket (both endpoints IPv4-mapped) is
/// presented as the IPv4 connection it is.
/// </remarks>
public static class ProxyHeaderWriter
{
    /// <summary>Room enough for any header this writer produces (v1 TCP6 at most 104 bytes, v2 at most 52).</summary>
    public const int MaxLength = 108;

    /// <summary>Writes the header into <paramref name="into"/> (at least <see cref="MaxLength"/> bytes); returns its length.</summary>
    public static int Write(ProxyProtocolVersion version, IPEndPoint? source, IPEndPoint? destination, Span<byte> into)
    {
        if (into.Length < MaxLength)
        {
            throw new ArgumentException($"the buffer must hold at least {MaxLength} bytes", nameof(into));
        }

        bool known = TryNormalize(ref source, ref destination);
        return version switch
        {
            ProxyProtocolVersion.V1 => known ? WriteV1(source!, destination!, into) : WriteV1Unknown(into),
            ProxyProtocolVersion.V2 => known ? WriteV2(source!, destination!, into) : WriteV2Local(into),
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "no header for this version"),
        };
    }

    // Both endpoints of one family, scope ids dropped (a header has no room for them).
    private static bool TryNormalize(ref IPEndPoint? source, ref IPEndPoint? destination)
    {
        if (source is null || destination is null)
        {
            return false;
        }

        if (source.Address.IsIPv4MappedToIPv6 && destination.Address.IsIPv4MappedToIPv6)
        {
            source = new IPEndPoint(source.Address.MapToIPv4(), source.Port);
            destination = new IPEndPoint(destination.Address.MapToIPv4(), destination.Port);
        }

        source = WithoutScope(source);
        destination = WithoutScope(destination);
        return source.AddressFamily == destination.AddressFamily
            && source.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
    }

    private static IPEndPoint WithoutScope(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.ScopeId != 0
            ? new IPEndPoint(new IPAddress(endpoint.Address.GetAddressBytes()), endpoint.Port)
            : endpoint;

    private static int WriteV1(IPEndPoint source, IPEndPoint destination, Span<byte> into)
    {
        string protocol = source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Utf8.TryWrite(into, $"PROXY {protocol} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n", out int written)
            ? written
            : throw new InvalidOperationException("a PROXY v1 line did not fit its buffer");
    }

    private static int WriteV1Unknown(Span<byte> into)
    {
        "PROXY UNKNOWN\r\n"u8.CopyTo(into);
        return 15;
    }

    private static int WriteV2(IPEndPoint source, IPEndPoint destination, Span<byte> into)
    {
        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        int size = v4 ? 4 : 16;
        int payload = (2 * size) + 4;
        WriteV2Head(into, ProxyHeaderParser.V2CommandProxy, family: v4 ? (byte)0x11 : (byte)0x21, payload);
        var addresses = into.Slice(ProxyHeaderParser.V2HeadLength, payload);
        _ = source.Address.TryWriteBytes(addresses[..size], out _);
        _ = destination.Address.TryWriteBytes(addresses.Slice(size, size), out _);
        BinaryPrimitives.WriteUInt16BigEndian(addresses.Slice(2 * size, 2), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(addresses.Slice((2 * size) + 2, 2), (ushort)destination.Port);
        return ProxyHeaderParser.V2HeadLength + payload;
    }

    private static int WriteV2Local(Span<byte> into)
    {
        WriteV2Head(into, ProxyHeaderParser.V2CommandLocal, family: 0x00, payload: 0);
        return ProxyHeaderParser.V2HeadLength;
    }

    private static void WriteV2Head(Span<byte> into, byte command, byte family, int payload)
    {
        ProxyHeaderParser.V2Signature.CopyTo(into);
        into[12] = (byte)(0x20 | command);
        into[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(into.Slice(14, 2), (ushort)payload);
    }
}
