using System.Globalization;
using System.Net;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// What --max-connections-per-source counts as one source (--source-prefix): every client
/// address in the same IPv4 /<see cref="V4Length"/> or IPv6 /<see cref="V6Length"/>, and the
/// whole of 127.0.0.0/8 as one. Counting exact addresses would let a client that may bind any
/// address of a range (any of 16 M loopback addresses in a sandbox, any of a /64 it was given)
/// open its share from each of them.
/// </summary>
/// <remarks>
/// Works on the keys of <see cref="SourceLimiter"/>: 128-bit addresses with IPv4 as IPv4-mapped
/// IPv6, so an IPv4 client counts the same whether it reached an IPv4 or a dual-stack socket.
/// </remarks>
public sealed record SourcePrefixes(int V4Length, int V6Length)
{
    /// <summary>Every IPv4 address is its own source, and every IPv6 /64 (the smallest network a host is usually given).</summary>
    public static readonly SourcePrefixes Default = new(32, 64);

    /// <summary>127.0.0.0/8 is the host's own: every address in it is the same machine.</summary>
    public const int LoopbackV4Length = 8;

    // ::ffff:0:0/96, the IPv4-mapped addresses.
    private static readonly UInt128 MappedPrefix = (UInt128)0xffff << 32;
    private static readonly UInt128 MappedMask = UInt128.MaxValue << 32;

    public int V4Length { get; } = V4Length is >= 0 and <= 32 ? V4Length : throw new ArgumentOutOfRangeException(nameof(V4Length), V4Length, "0 to 32");

    public int V6Length { get; } = V6Length is >= 0 and <= 128 ? V6Length : throw new ArgumentOutOfRangeException(nameof(V6Length), V6Length, "0 to 128");

    /// <summary>The source <paramref name="address"/> belongs to: the address with the bits past its prefix cleared.</summary>
    public UInt128 KeyOf(UInt128 address) => address & Mask(PrefixLength(address));

    /// <summary>A source for messages: "192.0.2.7" for a whole address, else "127.0.0.0/8", "2001:db8::/64".</summary>
    public string Describe(UInt128 key)
    {
        int length = PrefixLength(key);
        var address = SourceLimiter.ToAddress(key);
        if (length == 128)
        {
            return address.ToString();
        }

        int shown = IsIpv4(key) ? length - 96 : length;
        return string.Create(CultureInfo.InvariantCulture, $"{address}/{shown}");
    }

    /// <summary>"V4,V6", as --source-prefix takes it.</summary>
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{V4Length},{V6Length}");

    /// <summary>Parses <see cref="Format"/>'s "V4,V6" or a lone "V4" (IPv6 keeps its default).</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SourcePrefixes? prefixes)
    {
        prefixes = null;
        string[] parts = text.Split(',');
        if (parts.Length > 2 || !TryLength(parts[0], 32, out int v4))
        {
            return false;
        }

        int v6 = Default.V6Length;
        if (parts.Length == 2 && !TryLength(parts[1], 128, out v6))
        {
            return false;
        }

        prefixes = new SourcePrefixes(v4, v6);
        return true;
    }

    /// <summary>The key of an address as a front proxy announced it, or as the socket's peer.</summary>
    public UInt128 KeyOf(IPAddress address) => KeyOf(SourceLimiter.KeyOf(address));

    // Of the 128-bit key: IPv4 lengths count from bit 96.
    private int PrefixLength(UInt128 address)
    {
        if (!IsIpv4(address))
        {
            return V6Length;
        }

        bool loopback = (uint)address >> 24 == 127;
        return 96 + (loopback ? Math.Min(V4Length, LoopbackV4Length) : V4Length);
    }

    private static bool IsIpv4(UInt128 address) => (address & MappedMask) == MappedPrefix;

    private static UInt128 Mask(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);

    private static bool TryLength(string text, int max, out int length) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length) && text.Length <= 3 && length <= max;
}
