using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const int EAI_SYSTEM = -11;

    /// <summary>struct addrinfo as laid out by glibc on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct AddrInfo
    {
        public int Flags;
        public int Family;
        public int SocketType;
        public int Protocol;
        public uint AddressLength;
        public byte* Address;
        public byte* CanonicalName;
        public AddrInfo* Next;
    }

    /// <summary>Returns 0, or an EAI_* code (negative); with EAI_SYSTEM the reason is in errno.</summary>
    [LibraryImport("libc", EntryPoint = "getaddrinfo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int GetAddrInfo(string node, string? service, AddrInfo* hints, AddrInfo** result);

    [LibraryImport("libc", EntryPoint = "freeaddrinfo")]
    internal static unsafe partial void FreeAddrInfo(AddrInfo* list);

    /// <summary>The text of an EAI_* code; glibc's static string, not to be freed.</summary>
    [LibraryImport("libc", EntryPoint = "gai_strerror")]
    internal static partial nint GaiStrError(int code);
}
