using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>
/// A client and a server on loopback TCP with a <see cref="SocketRelay"/> between them:
/// Client &lt;-&gt; [relay client side | relay | relay server side] &lt;-&gt; Server.
/// </summary>
internal sealed class RelayedConnection : IDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    private RelayedConnection(Socket client, Socket server, SocketRelay relay)
    {
        Client = client;
        Server = server;
        Relay = relay;
        Running = relay.RunAsync();
    }

    /// <summary>The outside client, talking to the relay.</summary>
    public Socket Client { get; }

    /// <summary>The outside server, behind the relay.</summary>
    public Socket Server { get; }

    public SocketRelay Relay { get; }

    public Task<RelayResult> Running { get; }

    public static async Task<RelayedConnection> StartAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);

        var (client, relayClientSide) = await ConnectAsync(listener).WaitAsync(TestTimeout);
        var (relayServerSide, server) = await ConnectAsync(listener).WaitAsync(TestTimeout);
        return new RelayedConnection(client, server, new SocketRelay(relayClientSide, relayServerSide));
    }

    public Task<RelayResult> ResultAsync() => Running.WaitAsync(TestTimeout);

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        Relay.Abort();
    }

    public static async Task SendAllAsync(Socket socket, byte[] data, int chunk = 100_000)
    {
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            int length = Math.Min(chunk, data.Length - offset);
            await socket.SendAsync(data.AsMemory(offset, length), SocketFlags.None).AsTask().WaitAsync(TestTimeout);
        }
    }

    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        byte[] buffer = new byte[length];
        int total = 0;
        while (total < length)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None).AsTask().WaitAsync(TestTimeout);
            Assert.True(read > 0, $"end of stream after {total} of {length} bytes");
            total += read;
        }

        return buffer;
    }

    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TestTimeout)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return received.ToArray();
    }

    /// <summary>Reads until the connection fails; a clean end of stream fails the test.</summary>
    public static async Task<SocketException> ReadUntilFailureAsync(Socket socket)
    {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TestTimeout);
            }
            catch (SocketException e)
            {
                return e;
            }

            Assert.True(read > 0, $"clean end of stream (FIN) after {total} bytes where a reset was expected");
            total += read;
        }
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static async Task<(Socket Connecting, Socket Accepted)> ConnectAsync(Socket listener)
    {
        var accept = listener.AcceptAsync();
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await connecting.ConnectAsync(listener.LocalEndPoint!);
        return (connecting, await accept);
    }
}
