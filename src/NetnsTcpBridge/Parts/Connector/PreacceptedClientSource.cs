using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>
/// The one client of a bridge started with -S (or by socket activation with Accept=yes): a
/// socket received from the listener at start, given to whichever event loop wakes first. The
/// readiness descriptor is an eventfd that is ready from the start; once the client is taken the
/// source is finished.
/// </summary>
internal sealed class PreacceptedClientSource : IClientSource, IDisposable
{
    private readonly FileDescriptor _ready;
    private int _client;

    /// <param name="client">The client socket, owned by this source until taken.</param>
    public PreacceptedClientSource(int client)
    {
        int ready = Libc.EventFd(1, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (ready < 0)
        {
            throw SyscallException.FromLastError("eventfd", "pre-accepted client");
        }

        _ready = new FileDescriptor(ready);
        _client = client;
    }

    public IReadOnlyList<int> ReadinessDescriptors => [_ready.Number];

    public ClientTake TryTake(int index, out HandedOverClient client)
    {
        // Ownership moves to the caller; every later call finds the source finished.
        int taken = Interlocked.Exchange(ref _client, -1);
        client = new HandedOverClient(taken, Server: -1, Prepared: false);
        return taken >= 0 ? ClientTake.Client : ClientTake.Finished;
    }

    public void Dispose()
    {
        int untaken = Interlocked.Exchange(ref _client, -1);
        if (untaken >= 0)
        {
            _ = Libc.Close(untaken);
        }

        _ready.Dispose();
    }
}
