using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>
/// A TCP server of the test process whose listening socket lives in a test namespace; every
/// accepted connection is given to a handler. Dispose closes the listener and every connection.
/// </summary>
public class TcpServer : IDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, Task> _handler;
    private readonly ConcurrentDictionary<Socket, bool> _connections = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;
    private int _disposed;

    protected TcpServer(Socket listener, Func<Socket, Task> handler)
    {
        _listener = listener;
        _handler = handler;
        Endpoint = (IPEndPoint)listener.LocalEndPoint!;
        _ = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Connections accepted so far.</summary>
    public int AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>Connections accepted and not yet finished by their handler.</summary>
    public int OpenCount => _connections.Count;

    /// <summary>Failures of handlers, for assertion messages.</summary>
    public IReadOnlyCollection<Exception> Errors => _errors;

    /// <summary>Listens on <paramref name="endpoint"/> inside <paramref name="ns"/>; the handler owns nothing, Dispose closes.</summary>
    public static TcpServer Start(TestNamespace ns, IPEndPoint endpoint, Func<Socket, Task> handler, int backlog = 4096) =>
        new(ns.Listen(endpoint, backlog), handler);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _listener.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var connection = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
                _connections[connection] = true;
                Interlocked.Increment(ref _accepted);
                _ = Task.Run(() => HandleAsync(connection));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Stopped by Dispose.
        }
    }

    private async Task HandleAsync(Socket connection)
    {
        try
        {
            await _handler(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            _errors.Enqueue(e);
        }
        finally
        {
            connection.Dispose();
            _connections.TryRemove(connection, out _);
        }
    }
}

/// <summary>Sends back everything it receives; on end of stream it shuts down its side and closes.</summary>
public sealed class EchoServer : TcpServer
{
    private EchoServer(Socket listener)
        : base(listener, EchoAsync)
    {
    }

    public static EchoServer Start(TestNamespace ns, IPEndPoint endpoint, int backlog = 4096) => new(ns.Listen(endpoint, backlog));

    private static async Task EchoAsync(Socket connection)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                int received = await connection.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    connection.Shutdown(SocketShutdown.Send);
                    return;
                }

                await connection.SendAllAsync(buffer.AsMemory(0, received)).ConfigureAwait(false);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
