using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetnsTcpBridge.Tests.Endpoints.Dns;

/// <summary>
/// A scripted nameserver on 127.0.0.1 for the exchange tests: for each UDP query it sends what
/// <c>answer</c> returns (any number of datagrams, from its own port or from another socket), and
/// optionally serves TCP on the same port number. Runs on its own threads; Dispose stops it.
/// </summary>
internal sealed class LoopbackDnsServer : IDisposable
{
    private readonly Socket _udp;
    private readonly Socket? _tcp;
    private readonly Socket _stranger;
    private readonly CancellationTokenSource _stop = new();
    private int _queries;

    public LoopbackDnsServer(Func<Query, IEnumerable<Datagram>> answer, Func<Query, byte[]>? answerOverTcp = null)
    {
        (_udp, _tcp) = BindPair(answerOverTcp is not null);
        _stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Endpoint = (IPEndPoint)_udp.LocalEndPoint!;
        _ = Task.Run(() => ServeUdpAsync(answer));
        if (_tcp is not null)
        {
            _ = Task.Run(() => ServeTcpAsync(answerOverTcp!));
        }
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>UDP queries received so far.</summary>
    public int QueryCount => Volatile.Read(ref _queries);

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp?.Dispose();
        _stranger.Dispose();
        _stop.Dispose();
    }

    private async Task ServeUdpAsync(Func<Query, IEnumerable<Datagram>> answer)
    {
        byte[] buffer = new byte[65535];
        try
        {
            while (true)
            {
                var received = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                Interlocked.Increment(ref _queries);
                var query = Query.Read(buffer.AsSpan(0, received.ReceivedBytes));
                foreach (var datagram in answer(query))
                {
                    var from = datagram.FromAnotherPort ? _stranger : _udp;
                    await from.SendToAsync(datagram.Bytes, received.RemoteEndPoint, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped by Dispose.
        }
    }

    private async Task ServeTcpAsync(Func<Query, byte[]> answer)
    {
        try
        {
            while (true)
            {
                using var connection = await _tcp!.AcceptAsync(_stop.Token);
                byte[] length = new byte[2];
                await connection.ReceiveAsync(length, SocketFlags.None, _stop.Token);
                byte[] message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                for (int filled = 0; filled < message.Length;)
                {
                    filled += await connection.ReceiveAsync(message.AsMemory(filled), SocketFlags.None, _stop.Token);
                }

                byte[] reply = answer(Query.Read(message));
                byte[] framed = new byte[reply.Length + 2];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)reply.Length);
                reply.CopyTo(framed, 2);
                await connection.SendAsync(framed, SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped by Dispose.
        }
    }

    // UDP on a free port and, when wanted, TCP on the same number; another number if TCP's is taken.
    private static (Socket Udp, Socket? Tcp) BindPair(bool withTcp)
    {
        for (int attempt = 0; ; attempt++)
        {
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            if (!withTcp)
            {
                return (udp, null);
            }

            var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(udp.LocalEndPoint!);
                tcp.Listen(8);
                return (udp, tcp);
            }
            catch (SocketException) when (attempt < 20)
            {
                udp.Dispose();
                tcp.Dispose();
            }
        }
    }

    /// <summary>The id, name and type of a query.</summary>
    public sealed record Query(ushort Id, string Name, ushort Type)
    {
        public static Query Read(ReadOnlySpan<byte> message)
        {
            var name = new StringBuilder();
            int position = 12;
            while (message[position] != 0)
            {
                int length = message[position];
                name.Append(name.Length > 0 ? "." : string.Empty).Append(Encoding.ASCII.GetString(message.Slice(position + 1, length)));
                position += length + 1;
            }

            return new Query(BinaryPrimitives.ReadUInt16BigEndian(message), name.ToString(), BinaryPrimitives.ReadUInt16BigEndian(message[(position + 1)..]));
        }
    }

    /// <summary>One datagram to send back, from the server's port or from another socket's.</summary>
    public sealed record Datagram(byte[] Bytes, bool FromAnotherPort = false);
}
