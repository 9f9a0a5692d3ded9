namespace NetnsTcpBridge.TestSupport;

/// <summary>A raw descriptor opened by the test (close-on-exec), closed on Dispose.</summary>
public sealed class OwnedFd : IDisposable
{
    private OwnedFd(int number)
    {
        Number = number;
    }

    public int Number { get; private set; }

    /// <summary>Opens <paramref name="path"/> read-only, as a namespace file is opened.</summary>
    public static OwnedFd OpenReadOnly(string path)
    {
        int fd = Native.Open(path, Native.O_RDONLY | Native.O_CLOEXEC, 0);
        return fd >= 0 ? new OwnedFd(fd) : throw new InvalidOperationException($"open {path}: {Native.LastError()}");
    }

    public void Dispose()
    {
        if (Number >= 0)
        {
            _ = Native.Close(Number);
            Number = -1;
        }
    }
}
