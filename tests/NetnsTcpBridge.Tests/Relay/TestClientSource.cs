using System.Collections.Concurrent;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>
/// Hands clients to a <see cref="RelayEngine"/> without a listener process: a queue, and a
/// semaphore eventfd that is readable exactly while the queue holds a client.
/// </summary>
internal sealed class TestClientSource : IClientSource
{
    private const int EFD_SEMAPHORE = 1;

    private readonly ConcurrentQueue<HandedOverClient> _clients = new();
    private readonly int _ready;

    public TestClientSource()
    {
        _ready = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK | EFD_SEMAPHORE);
        if (_ready < 0)
        {
            throw SyscallException.FromLastError("eventfd", "test client source");
        }
    }

    public IReadOnlyList<int> ReadinessDescriptors => [_ready];

    /// <summary>Gives the engine a client descriptor and a pre-connected server descriptor (or -1 to connect to the target); it owns both from here.</summary>
    public unsafe void Add(int client, int server)
    {
        _clients.Enqueue(new HandedOverClient(client, server, Prepared: false));
        ulong one = 1;
        if (Libc.Write(_ready, &one, sizeof(ulong)) != sizeof(ulong))
        {
            throw SyscallException.FromLastError("write", "test client source eventfd");
        }
    }

    public unsafe ClientTake TryTake(int index, out HandedOverClient client)
    {
        ulong count;
        if (Libc.Read(_ready, &count, sizeof(ulong)) != sizeof(ulong))
        {
            client = default;
            return ClientTake.NoneYet;
        }

        // Every count was written after its client was queued.
        return _clients.TryDequeue(out client) ? ClientTake.Client : throw new InvalidOperationException("eventfd count without a queued client");
    }
}
