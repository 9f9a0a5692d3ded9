using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

// Capabilities and securebits: what a thread may do beyond its user and group IDs.
internal static partial class Libc
{
    internal const int PR_CAPBSET_DROP = 24;
    internal const int PR_SET_SECUREBITS = 28;
    internal const int PR_CAP_AMBIENT = 47;
    internal const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /// <summary>execve by a process with uid 0 grants no capabilities, and the bit cannot be cleared again.</summary>
    internal const int SECBIT_NOROOT = 1 << 0;
    internal const int SECBIT_NOROOT_LOCKED = 1 << 1;

    /// <summary>A change of uid from or to 0 does not touch the capability sets (they are empty anyway), locked.</summary>
    internal const int SECBIT_NO_SETUID_FIXUP = 1 << 2;
    internal const int SECBIT_NO_SETUID_FIXUP_LOCKED = 1 << 3;

    /// <summary>_LINUX_CAPABILITY_VERSION_3: two 32-bit words per set.</summary>
    internal const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    [StructLayout(LayoutKind.Sequential)]
    internal struct CapUserHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct CapUserData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    /// <summary>Sets the calling thread's capability sets (pid 0: this thread only); data holds two entries.</summary>
    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    internal static unsafe partial int CapSet(CapUserHeader* header, CapUserData* data);
}
