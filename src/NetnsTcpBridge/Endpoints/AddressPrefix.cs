using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.Endpoints;

/// <summary>
/// An IP prefix written as CIDR, <c>10.0.0.0/8</c>, <c>fd00::/8</c>, or a lone address (/32,
/// /128), as <c>--accept-proxy-from</c> takes it. IPv4 is kept as IPv4-mapped IPv6, so an IPv4
/// prefix also holds the peers of a dual-stack socket, which appear as <c>::ffff:a.b.c.d</c>.
/// </summary>
public readonly record struct AddressPrefix
{
    private AddressPrefix(UInt128 network, int length, bool isV4)
    {
        Network = network;
        Length = length;
        IsV4 = isV4;
    }

    /// <summary>The first address, as a 128-bit number (IPv4 mapped into ::ffff:0:0/96).</summary>
    public UInt128 Network { get; }

    /// <summary>The prefix length of <see cref="Network"/> in 128 bits (an IPv4 /8 is 104).</summary>
    public int Length { get; }

    public bool IsV4 { get; }

    public const string Syntax = "a CIDR prefix such as 10.0.0.0/8 or fd00::/8, or one address";

    /// <summary>Whether <paramref name="address"/> (a 128-bit number as <see cref="Network"/> is) lies in this prefix.</summary>
    public bool Contains(UInt128 address) => (address & Mask(Length)) == Network;

    public bool Contains(IPAddress address) => Contains(ToNumber(address));

    /// <summary>The 128-bit number of an address, IPv4 as IPv4-mapped IPv6.</summary>
    public static UInt128 ToNumber(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        _ = (address.AddressFamily == AddressFamily.InterNetwork ? address.MapToIPv6() : address).TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>Parses one prefix; on failure <paramref name="error"/> says what is wrong, quoting nothing of the text.</summary>
    public static bool TryParse(string text, out AddressPrefix prefix, [NotNullWhen(false)] out string? error)
    {
        prefix = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        bool v6 = addressText.Contains(':', StringComparison.Ordinal);
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily != (v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)
            || (v6 && address.ScopeId != 0) || !TcpAddress.IsCanonicalInput(addressText, address))
        {
            error = $"not an IP address; expected {Syntax}";
            return false;
        }

        int max = v6 ? 128 : 32;
        int length = max;
        if (slash >= 0)
        {
            string lengthText = text[(slash + 1)..];
            if (lengthText.Length is 0 or > 3 || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max)
            {
                error = $"the prefix length after '/' must be a number from 0 to {max}";
                return false;
            }
        }

        int length128 = v6 ? length : 96 + length;
        UInt128 number = ToNumber(address);
        if ((number & Mask(length128)) != number)
        {
            // 10.0.0.1/8 is most likely a mistake for 10.0.0.0/8 or 10.0.0.1/32: say which is meant rather than guess.
            error = $"it has bits set past its /{length}; write the network's first address, {Describe(number & Mask(length128), length128, !v6)}";
            return false;
        }

        prefix = new AddressPrefix(number, length128, !v6);
        error = null;
        return true;
    }

    /// <summary>CIDR as users write it: 10.0.0.0/8, fd00::/8, 192.0.2.7/32.</summary>
    public override string ToString() => Describe(Network, Length, IsV4);

    private static string Describe(UInt128 network, int length128, bool isV4)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, network);
        var address = new IPAddress(bytes);
        return isV4
            ? string.Create(CultureInfo.InvariantCulture, $"{address.MapToIPv4()}/{length128 - 96}")
            : string.Create(CultureInfo.InvariantCulture, $"{address}/{length128}");
    }

    private static UInt128 Mask(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
}
