using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

/// <summary>
/// The structures, offsets, constants and system call numbers in this folder are those of Linux on
/// x86-64: struct stat read at fixed offsets, epoll_event packed (EPOLL_PACKED exists on x86-64
/// only), SYS_pidfd_open, O_DIRECTORY. On another architecture they would be wrong without a word,
/// misreading memory and file types, so the executable refuses to run there.
/// </summary>
public static class NativeLayout
{
    /// <summary>Null where the layouts hold; otherwise the one line that says why the program stops.</summary>
    public static string? RefusalOnThisMachine() => RefusalFor(RuntimeInformation.ProcessArchitecture);

    internal static string? RefusalFor(Architecture architecture) => architecture == Architecture.X64
        ? null
        : $"this build runs on x86-64 (x64) Linux only, and this process is {architecture}: its system-call structures are laid out for x86-64 and would be misread here";
}
