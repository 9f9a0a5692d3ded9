using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay;

/// <summary>A pipe used as the in-kernel buffer between two splice calls.</summary>
internal sealed class SplicePipe
{
    public SplicePipe(int readEnd, int writeEnd, int capacity)
    {
        ReadEnd = readEnd;
        WriteEnd = writeEnd;
        Capacity = capacity;
    }

    public int ReadEnd { get; }

    public int WriteEnd { get; }

    public int Capacity { get; }

    public void Close()
    {
        _ = Libc.Close(ReadEnd);
        _ = Libc.Close(WriteEnd);
    }
}

/// <summary>
/// Empty pipes of one event loop, lent to a direction only while it has bytes in flight, so that
/// idle connections hold no pipe (two descriptors and kernel memory each). Single-threaded: each
/// event loop has its own pool.
/// </summary>
internal sealed class PipePool
{
    /// <summary>Pipes kept for reuse per loop; more are closed when returned. Each holds two descriptors.</summary>
    internal const int MaxIdle = 16;

    private readonly Stack<SplicePipe> _idle = new();
    private readonly int _requestedSize;

    public PipePool(int requestedSize)
    {
        _requestedSize = requestedSize;
    }

    /// <summary>Lends an empty pipe; throws <see cref="SyscallException"/> when none can be made (e.g. EMFILE).</summary>
    public unsafe SplicePipe Rent()
    {
        if (_idle.TryPop(out var pipe))
        {
            return pipe;
        }

        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC | Libc.O_NONBLOCK) != 0)
        {
            throw SyscallException.FromLastError("pipe2", "splice buffer");
        }

        if (_requestedSize > 0)
        {
            // Best effort: above /proc/sys/fs/pipe-max-size an unprivileged process gets EPERM.
            _ = Libc.Fcntl(fds[1], Libc.F_SETPIPE_SZ, _requestedSize);
        }

        int capacity = Libc.Fcntl(fds[1], Libc.F_GETPIPE_SZ, 0);
        return new SplicePipe(fds[0], fds[1], capacity > 0 ? capacity : 65536);
    }

    /// <summary>Takes back a pipe that holds no bytes.</summary>
    public void Return(SplicePipe pipe)
    {
        if (_idle.Count < MaxIdle)
        {
            _idle.Push(pipe);
        }
        else
        {
            pipe.Close();
        }
    }
}
