using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>Connects one handed-over client to the target and relays until both sides are done.</summary>
internal sealed class ClientForwarder
{
    private readonly IPEndPoint? _target;
    private readonly TimeSpan _connectTimeout;
    private readonly ActiveConnections _active;

    public ClientForwarder(IPEndPoint? target, TimeSpan connectTimeout, ActiveConnections active)
    {
        _target = target;
        _connectTimeout = connectTimeout;
        _active = active;
    }

    /// <summary>
    /// Takes ownership of <paramref name="clientDescriptor"/> and, when given, of the pre-connected
    /// <paramref name="preconnected"/> socket. The caller has counted the client with
    /// <see cref="ActiveConnections.BeginClient"/>. Never throws: a failure ends this client only.
    /// </summary>
    public async Task ForwardAsync(FileDescriptor clientDescriptor, FileDescriptor? preconnected)
    {
        SocketRelay? relay = null;
        try
        {
            // Ownership of the raw descriptor moves into the Socket, which closes it from now on.
            var client = new Socket(new SafeSocketHandle((IntPtr)clientDescriptor.Release(), ownsHandle: true));
            string clientName = TcpAddress.Format(client.RemoteEndPoint);
            var server = preconnected is not null
                ? new Socket(new SafeSocketHandle((IntPtr)preconnected.Release(), ownsHandle: true))
                : await ConnectAsync(client, clientName).ConfigureAwait(false);
            if (server is null)
            {
                return;
            }

            client.NoDelay = true;
            TrySetNoDelay(server);
            relay = new SocketRelay(client, server);
            _active.Track(relay);
            Log.Debug($"{clientName} -> {TcpAddress.Format(server.RemoteEndPoint)}: relaying");
            var result = await relay.RunAsync().ConfigureAwait(false);
            Log.Debug($"{clientName}: closed; {result}");
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Log.Warning($"client dropped: {e.Message}");
        }
        finally
        {
            _active.EndClient(relay);
        }
    }

    private async Task<Socket?> ConnectAsync(Socket client, string clientName)
    {
        var target = _target ?? throw new InvalidOperationException("no connect target and no pre-connected socket");

        // This process lives wholly in the connect namespace, so a socket created here is in it.
        var server = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(_connectTimeout);
        try
        {
            await server.ConnectAsync(target, timeout.Token).ConfigureAwait(false);
            return server;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            string reason = e is OperationCanceledException
                ? $"no answer within {_connectTimeout.TotalSeconds:0.###} s"
                : ((SocketException)e).Message;
            Log.Warning($"cannot connect to {TcpAddress.Format(target)} for client {clientName}: {reason}; resetting the client");
            server.Dispose();

            // A reset, not a clean close: the client must not mistake this for an empty answer.
            client.LingerState = new LingerOption(enable: true, seconds: 0);
            client.Dispose();
            return null;
        }
    }

    private static void TrySetNoDelay(Socket socket)
    {
        // A pre-connected socket may be a UNIX socket, which has no TCP_NODELAY.
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.NoDelay = true;
        }
    }
}
