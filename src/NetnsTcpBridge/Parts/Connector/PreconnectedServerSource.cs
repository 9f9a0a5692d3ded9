using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>
/// A client source whose first client is relayed to a pre-connected socket (-C) instead of a
/// connection of its own; a bridge with -C takes one client only.
/// </summary>
internal sealed class PreconnectedServerSource : IClientSource, IDisposable
{
    private readonly IClientSource _clients;
    private int _server;

    /// <param name="server">The pre-connected socket, owned by this source until the first client takes it.</param>
    public PreconnectedServerSource(IClientSource clients, int server)
    {
        _clients = clients;
        _server = server;
    }

    public IReadOnlyList<int> ReadinessDescriptors => _clients.ReadinessDescriptors;

    public ClientTake TryTake(int index, out HandedOverClient client)
    {
        var take = _clients.TryTake(index, out client);
        if (take == ClientTake.Client)
        {
            // Ownership of the server socket moves to the caller with the client.
            client = client with { Server = Interlocked.Exchange(ref _server, -1) };
        }

        return take;
    }

    public void Dispose()
    {
        int untaken = Interlocked.Exchange(ref _server, -1);
        if (untaken >= 0)
        {
            _ = Libc.Close(untaken);
        }
    }
}
