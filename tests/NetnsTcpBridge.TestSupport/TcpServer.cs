using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetnsTcpBridge.TestSupport;

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
        Endpoint = listener.LocalEndPoint!;
        _ = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Where it listens: an IPEndPoint, or a UnixDomainSocketEndPoint.</summary>
    public EndPoint Endpoint { get; }

    /// <summary>Connections accepted so far.</summary>
    public int AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>Connections accepted and not yet finished by their handler.</summary>
    public int OpenCount => _connections.Count;

    /// <summary>Failures of handlers, for assertion messages.</summary>
    public IReadOnlyCollection<Exception> Errors => _errors;

    /// <summary>Listens on <paramref name="endpoint"/> inside <paramref name="ns"/>; the handler owns nothing, Dispose closes.</summary>
    public static TcpServer Start(TestNamespace ns, IPEndPoint endpoint, Func<Socket, Task> handler, int backlog = TestNamespace.DefaultBacklog) =>
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

    public static EchoServer Start(TestNamespace ns, IPEndPoint endpoint, int backlog = TestNamespace.DefaultBacklog) => new(ns.Listen(endpoint, backlog));

    /// <summary>An echo server on a UNIX stream socket (a path, or an abstract name starting with NUL) made inside <paramref name="ns"/>.</summary>
    public static EchoServer StartUnix(TestNamespace ns, System.Net.Sockets.UnixDomainSocketEndPoint endpoint)
    {
        var listener = ns.Enter(() => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        listener.Bind(endpoint);
        listener.Listen(64);
        return new EchoServer(listener);
    }

    /// <summary>The echo itself, through <paramref name="buffer"/>; also the loop of the reliability suite's echo server process.</summary>
    public static async Task EchoUntilEndAsync(Socket connection, byte[] buffer)
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

    private static async Task EchoAsync(Socket connection)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            await EchoUntilEndAsync(connection, buffer).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>A minimal HTTP/1.1 server: answers every request with 200 and a fixed body, then closes.</summary>
public sealed class HttpServer : TcpServer
{
    private HttpServer(Socket listener, string body)
        : base(listener, connection => AnswerAsync(connection, body))
    {
    }

    public static HttpServer Start(TestNamespace ns, IPEndPoint endpoint, string body) => new(ns.Listen(endpoint), body);

    private static async Task AnswerAsync(Socket connection, string body)
    {
        var request = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int received = await connection.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            if (received == 0)
            {
                return;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, received));
        }

        byte[] content = Encoding.UTF8.GetBytes(body);
        string head = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
        await connection.SendAsync(Encoding.ASCII.GetBytes(head), SocketFlags.None).ConfigureAwait(false);
        await connection.SendAsync(content, SocketFlags.None).ConfigureAwait(false);
        connection.Shutdown(SocketShutdown.Send);

        // Wait for the client's FIN so that our close cannot turn into a reset.
        while (await connection.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false) > 0)
        {
        }
    }
}
