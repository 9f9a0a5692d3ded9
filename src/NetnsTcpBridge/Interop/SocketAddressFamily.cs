using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

/// <summary>
/// The kernel's AF_* numbers against .NET's <see cref="AddressFamily"/>, which differ for IPv6
/// (10 against 23), and IP endpoints read out of a struct sockaddr_in or sockaddr_in6.
/// </summary>
internal static class SocketAddressFamily
{
    /// <summary>sizeof(struct sockaddr_storage): room for any address the kernel gives back.</summary>
    public const int StorageBytes = 128;

    /// <summary>The AF_* number for sockets of <paramref name="family"/>: AF_INET6, AF_UNIX, else AF_INET.</summary>
    public static int ToNative(AddressFamily family) => family switch
    {
        AddressFamily.InterNetworkV6 => Libc.AF_INET6,
        AddressFamily.Unix => Libc.AF_UNIX,
        _ => Libc.AF_INET,
    };

    /// <summary>The .NET family of an AF_* number; <see cref="AddressFamily.Unknown"/> for any other.</summary>
    public static AddressFamily FromNative(int family) => family switch
    {
        Libc.AF_INET => AddressFamily.InterNetwork,
        Libc.AF_INET6 => AddressFamily.InterNetworkV6,
        Libc.AF_UNIX => AddressFamily.Unix,
        _ => AddressFamily.Unknown,
    };

    /// <summary>sa_family, the first field of every sockaddr (host order); AF_UNSPEC when the bytes are too few.</summary>
    public static int Of(ReadOnlySpan<byte> sockaddr) =>
        sockaddr.Length < 2 ? Libc.AF_UNSPEC : MemoryMarshal.Read<ushort>(sockaddr);

    /// <summary>
    /// The address and port of a sockaddr_in, or of a sockaddr_in6 with its scope; null for any
    /// other family, or bytes too few for the family's address.
    /// </summary>
    public static IPEndPoint? ToIPEndPoint(ReadOnlySpan<byte> sockaddr)
    {
        // sockaddr_in: family(2) port(2) addr(4); sockaddr_in6: family(2) port(2) flowinfo(4) addr(16) scope_id(4).
        int family = Of(sockaddr);
        if (family == Libc.AF_INET && sockaddr.Length >= 8)
        {
            return new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]));
        }

        if (family == Libc.AF_INET6 && sockaddr.Length >= 24)
        {
            uint scope = sockaddr.Length >= 28 ? MemoryMarshal.Read<uint>(sockaddr[24..]) : 0;
            return new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16), scope), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]));
        }

        return null;
    }
}
