using System.Net;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// --max-connections-per-source: counts open connections per source, across all event loops. A
/// client over the limit is refused (the caller resets it at once). A source is a key that
/// <see cref="SourcePrefixes"/> made of the client's address: an address, or a whole prefix.
/// </summary>
/// <remarks>
/// One lock around a dictionary: taken twice per connection and only when the option is set, for
/// a few instructions each time, so contention between a handful of loops is negligible.
/// Addresses are kept as 128-bit numbers, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so that a
/// client counts as one source whether it reached a dual-stack socket over IPv4 or IPv6.
/// </remarks>
internal sealed class SourceLimiter
{
    private readonly Dictionary<UInt128, int> _open = [];
    private readonly object _gate = new();
    private readonly WarningThrottle _refusals = new(TimeSpan.FromSeconds(10));

    public SourceLimiter(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    public int Limit { get; }

    /// <summary>Counts one more connection from <paramref name="source"/>; false (and nothing counted) when it already has <see cref="Limit"/>.</summary>
    public bool TryEnter(UInt128 source)
    {
        lock (_gate)
        {
            _open.TryGetValue(source, out int open);
            if (open >= Limit)
            {
                return false;
            }

            _open[source] = open + 1;
            return true;
        }
    }

    /// <summary>Counts one connection from <paramref name="source"/> less; forgets the address at 0.</summary>
    public void Leave(UInt128 source)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(source, out int open))
            {
                if (open <= 1)
                {
                    _open.Remove(source);
                }
                else
                {
                    _open[source] = open - 1;
                }
            }
        }
    }

    /// <summary>Connections open from <paramref name="source"/> now.</summary>
    public int OpenFrom(UInt128 source)
    {
        lock (_gate)
        {
            return _open.TryGetValue(source, out int open) ? open : 0;
        }
    }

    /// <summary>One warning at most every 10 s, however many clients are refused, saying how many were.</summary>
    /// <param name="source">The source for the message, as <see cref="SourcePrefixes.Describe"/> gives it.</param>
    public void WarnRefused(string source)
    {
        if (!_refusals.Count(out long refused))
        {
            return;
        }

        var (who, has, their) = source.Contains('/', StringComparison.Ordinal) ? ("clients in", "have", "their") : ("client", "has", "its");
        Log.Warning($"{who} {source} already {has} {Limit} connection(s) open ({SettingNames.Of(Setting.MaxConnectionsPerSource)}): resetting {their} new ones ({refused} refused since the previous such warning; one every 10 s at most)");
    }

    /// <summary>
    /// The peer address of a TCP socket as a key; false for a UNIX socket or when getpeername
    /// fails (the client is already gone), which are not limited.
    /// </summary>
    public static unsafe bool TryGetSource(int fd, out UInt128 source)
    {
        byte* buffer = stackalloc byte[128];
        uint length = 128;
        source = default;
        return Libc.GetPeerName(fd, buffer, &length) == 0 && TryParseSockaddr(new ReadOnlySpan<byte>(buffer, (int)Math.Min(length, 128u)), out source);
    }

    /// <summary>The key of a struct sockaddr_in or sockaddr_in6; false for any other family.</summary>
    public static bool TryParseSockaddr(ReadOnlySpan<byte> sockaddr, out UInt128 source)
    {
        source = default;
        if (sockaddr.Length < 2)
        {
            return false;
        }

        int family = sockaddr[0] | (sockaddr[1] << 8);
        if (family == Libc.AF_INET && sockaddr.Length >= 8)
        {
            // sin_addr at bytes 4..7, network order.
            uint address = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..8]);
            source = ((UInt128)0xffff << 32) | address;
            return true;
        }

        if (family == Libc.AF_INET6 && sockaddr.Length >= 24)
        {
            // sin6_addr at bytes 8..23, network order.
            source = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(sockaddr[8..24]);
            return true;
        }

        return false;
    }

    /// <summary>The key of an address, IPv4 as IPv4-mapped IPv6 like the peer of a dual-stack socket.</summary>
    public static UInt128 KeyOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv6() : address).TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>The address a key stands for, IPv4 written as IPv4, for messages.</summary>
    public static IPAddress ToAddress(UInt128 source)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, source);
        var address = new IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
