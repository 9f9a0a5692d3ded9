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
        Slots = Math.Max(1, capacity / Environment.SystemPageSize);
    }

    public int ReadEnd { get; }

    public int WriteEnd { get; }

    public int Capacity { get; }

    /// <summary>
    /// How many buffers the pipe holds, one per page or part of a page spliced in: a splice may
    /// stop short because they are all taken, with fewer bytes in the pipe than its capacity.
    /// </summary>
    public int Slots { get; }

    /// <summary>Lent past the pipe memory budget: one page, never kept for reuse.</summary>
    public bool IsSmall { get; init; }

    public void Close()
    {
        _ = Libc.Close(ReadEnd);
        _ = Libc.Close(WriteEnd);
    }
}

/// <summary>
/// Empty pipes of one event loop, lent to a direction only while it has bytes in flight, so that
/// idle connections hold no pipe (two descriptors and kernel memory each). Single-threaded: each
/// event loop has its own pool. What is lent is charged to the connector's <see cref="PipeBudget"/>;
/// past it, pipes of one page are lent, and closed when given back.
/// </summary>
internal sealed class PipePool
{
    /// <summary>Pipes kept for reuse per loop; more are closed when returned. Each holds two descriptors.</summary>
    internal const int MaxIdle = 16;

    private readonly Stack<SplicePipe> _idle = new();
    private readonly int _requestedSize;
    private readonly PipeBudget _budget;

    /// <summary>The capacity charged for a full pipe: the size asked for, else the kernel's default (16 pages).</summary>
    private readonly int _fullCapacity;

    public PipePool(int requestedSize, PipeBudget budget)
    {
        _requestedSize = requestedSize;
        _budget = budget;
        _fullCapacity = requestedSize > 0 ? requestedSize : 65536;
    }

    /// <summary>Lends an empty pipe; throws <see cref="SyscallException"/> when none can be made (e.g. EMFILE).</summary>
    public SplicePipe Rent()
    {
        if (!_budget.TryCharge(_fullCapacity))
        {
            var small = Create(PipeBudget.SmallPipeSize, isSmall: true);
            _budget.Charge(small.Capacity);
            return small;
        }

        try
        {
            return _idle.TryPop(out var pipe) ? pipe : Create(_requestedSize, isSmall: false);
        }
        catch
        {
            _budget.Refund(_fullCapacity);
            throw;
        }
    }

    /// <summary>Takes back a pipe that holds no bytes.</summary>
    public void Return(SplicePipe pipe)
    {
        if (pipe.IsSmall)
        {
            Discard(pipe);
            return;
        }

        _budget.Refund(_fullCapacity);
        if (_idle.Count < MaxIdle)
        {
            _idle.Push(pipe);
        }
        else
        {
            pipe.Close();
        }
    }

    /// <summary>Closes a lent pipe that cannot be reused (it may still hold bytes).</summary>
    public void Discard(SplicePipe pipe)
    {
        _budget.Refund(pipe.IsSmall ? pipe.Capacity : _fullCapacity);
        pipe.Close();
    }

    private static unsafe SplicePipe Create(int requestedSize, bool isSmall)
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC | Libc.O_NONBLOCK) != 0)
        {
            throw SyscallException.FromLastError("pipe2", "splice buffer");
        }

        if (requestedSize > 0)
        {
            // Best effort: above /proc/sys/fs/pipe-max-size an unprivileged process gets EPERM.
            _ = Libc.Fcntl(fds[1], Libc.F_SETPIPE_SZ, requestedSize);
        }

        int capacity = Libc.Fcntl(fds[1], Libc.F_GETPIPE_SZ, 0);
        return new SplicePipe(fds[0], fds[1], capacity > 0 ? capacity : 65536) { IsSmall = isSmall };
    }
}
