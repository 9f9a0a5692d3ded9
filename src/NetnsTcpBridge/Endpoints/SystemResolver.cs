using System.Net;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>
/// glibc's synchronous getaddrinfo, called directly: it runs on the calling thread, so its DNS
/// queries leave from that thread's network namespace. (System.Net.Dns does the same call, but
/// brings its telemetry and async machinery into the executable, which every process of the bridge
/// then carries in memory.)
/// </summary>
internal static class SystemResolver
{
    /// <summary>The IPv4 and IPv6 addresses of <paramref name="host"/>, in getaddrinfo's order, without repeats.</summary>
    /// <param name="host">The name to look up.</param>
    /// <param name="where">Which files the lookup used, for the error message; null for the system's own.</param>
    /// <exception cref="BridgeException">The lookup failed; the message says why.</exception>
    public static unsafe List<IPAddress> Resolve(string host, string? where = null)
    {
        // No AI_ADDRCONFIG: it ignores loopback addresses, and a namespace with only lo is common here.
        var hints = new Libc.AddrInfo { Family = Libc.AF_UNSPEC, SocketType = Libc.SOCK_STREAM };
        Libc.AddrInfo* list = null;
        int code = Libc.GetAddrInfo(host, null, &hints, &list);
        if (code != 0)
        {
            string reason = code == Libc.EAI_SYSTEM
                ? SyscallException.DescribeErrno(Marshal.GetLastPInvokeError())
                : Marshal.PtrToStringUTF8(Libc.GaiStrError(code)) ?? $"getaddrinfo error {code}";
            throw new BridgeException($"cannot resolve host '{host}' in the connect netns{(where is null ? string.Empty : " " + where)}: {reason}; check the name, or give an address");
        }

        try
        {
            var addresses = new List<IPAddress>();
            for (var entry = list; entry is not null; entry = entry->Next)
            {
                if (ToAddress(entry) is { } address && !addresses.Contains(address))
                {
                    addresses.Add(address);
                }
            }

            return addresses;
        }
        finally
        {
            Libc.FreeAddrInfo(list);
        }
    }

    private static unsafe IPAddress? ToAddress(Libc.AddrInfo* entry) =>
        SocketAddressFamily.ToIPEndPoint(new ReadOnlySpan<byte>(entry->Address, (int)entry->AddressLength))?.Address;
}
