using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.TestSupport;

/// <summary>
/// A UDP server of the test process inside a test namespace: answers every datagram with the
/// same bytes, to its sender, and records each sender's address (one per flow of the bridge).
/// Dispose closes its socket, which ends its thread.
/// </summary>
public sealed class UdpEchoServer : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly ConcurrentDictionary<IPEndPoint, int> _senders = new();
    private int _datagrams;

    private UdpEchoServer(Socket socket)
    {
        _socket = socket;
        _thread = new Thread(Serve) { IsBackground = true, Name = "udp echo" };
        _thread.Start();
    }

    /// <summary>The addresses datagrams came from, with how many from each.</summary>
    public IReadOnlyDictionary<IPEndPoint, int> Senders => _senders;

    public int Datagrams => Volatile.Read(ref _datagrams);

    public static UdpEchoServer Start(TestNamespace ns, IPEndPoint endpoint)
    {
        var socket = ns.CreateUdpSocket(endpoint.AddressFamily);
        try
        {
            socket.ReceiveBufferSize = 4 << 20;
            socket.Bind(endpoint);
            return new UdpEchoServer(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Serve()
    {
        byte[] buffer = new byte[65536];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (true)
            {
                EndPoint from = any;
                int length = _socket.ReceiveFrom(buffer, ref from);
                var sender = (IPEndPoint)from;
                _senders.AddOrUpdate(sender, 1, (_, count) => count + 1);
                Interlocked.Increment(ref _datagrams);
                _socket.SendTo(buffer.AsSpan(0, length), from);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed by Dispose.
        }
    }
}
