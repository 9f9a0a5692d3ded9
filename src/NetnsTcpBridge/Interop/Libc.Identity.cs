using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

// Users, groups and the process's own identity: looking names up, and changing who we are.
internal static partial class Libc
{
    /// <summary>struct passwd as glibc lays it out.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Passwd
    {
        public byte* Name;
        public byte* Password;
        public uint UserId;
        public uint GroupId;
        public byte* Gecos;
        public byte* Directory;
        public byte* Shell;
    }

    /// <summary>struct group as glibc lays it out.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Group
    {
        public byte* Name;
        public byte* Password;
        public uint GroupId;
        public byte** Members;
    }

    /// <summary>Null when there is no such user (errno 0) or the lookup failed (errno set). Not thread-safe: start-up only.</summary>
    [LibraryImport("libc", EntryPoint = "getpwnam", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial Passwd* GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "getpwuid", SetLastError = true)]
    internal static unsafe partial Passwd* GetPwUid(uint userId);

    [LibraryImport("libc", EntryPoint = "getgrnam", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial Group* GetGrNam(string name);

    /// <summary>glibc applies it to every thread of the process (its setxid broadcast), as POSIX wants.</summary>
    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    internal static unsafe partial int SetGroups(nuint count, uint* groups);

    /// <summary>glibc applies it to every thread of the process.</summary>
    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    internal static partial int SetGid(uint groupId);

    /// <summary>glibc applies it to every thread of the process; leaving uid 0 clears each thread's capabilities.</summary>
    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    internal static partial int SetUid(uint userId);

    [LibraryImport("libc", EntryPoint = "getuid")]
    internal static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getgid")]
    internal static partial uint GetGid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    internal static partial uint GetEgid();
}
