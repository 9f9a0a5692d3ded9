using System.Net.Sockets;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>Many client sockets made in one namespace visit; Dispose closes every one.</summary>
public sealed class SocketGroup : IDisposable
{
    private const int PerVisit = 1000;

    private SocketGroup(Socket[] sockets)
    {
        Sockets = sockets;
    }

    public Socket[] Sockets { get; }

    public static SocketGroup Create(TestNamespace ns, int count)
    {
        var sockets = new Socket[count];
        try
        {
            for (int start = 0; start < count; start += PerVisit)
            {
                var made = ns.CreateSockets(AddressFamily.InterNetwork, Math.Min(PerVisit, count - start));
                made.CopyTo(sockets, start);
            }
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }

            throw;
        }

        return new SocketGroup(sockets);
    }

    public void Dispose()
    {
        foreach (var socket in Sockets)
        {
            socket?.Dispose();
        }
    }
}

/// <summary>
/// Client sockets of one namespace made ahead in batches, so that tens of thousands of short
/// connections do not each cost a thread that enters the namespace.
/// </summary>
public sealed class SocketSupply : IDisposable
{
    private readonly TestNamespace _ns;
    private readonly Queue<Socket> _ready = new();
    private readonly object _gate = new();

    public SocketSupply(TestNamespace ns)
    {
        _ns = ns;
    }

    public Socket Next()
    {
        lock (_gate)
        {
            if (_ready.Count == 0)
            {
                foreach (var socket in _ns.CreateSockets(AddressFamily.InterNetwork, 256))
                {
                    _ready.Enqueue(socket);
                }
            }

            return _ready.Dequeue();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            while (_ready.TryDequeue(out var socket))
            {
                socket.Dispose();
            }
        }
    }
}
