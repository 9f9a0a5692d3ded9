using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

/// <summary>Owns one raw file descriptor and closes it exactly once. Descriptor 0 is valid (inetd style).</summary>
public sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor(int fd, bool ownsHandle = true)
        : base(invalidHandleValue: -1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number; valid only while this handle is open.</summary>
    public int Number => (int)handle;

    /// <summary>Gives up ownership: the caller now owns the descriptor and must close it.</summary>
    public int Release()
    {
        int fd = (int)handle;
        SetHandleAsInvalid();
        return fd;
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
