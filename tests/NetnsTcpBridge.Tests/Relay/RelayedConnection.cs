using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>
/// A client and a server on loopback TCP with a <see cref="RelayEngine"/> between them:
/// Client &lt;-&gt; [relay client side | engine | relay server side] &lt;-&gt; Server.
/// The engine gets its own duplicates of the two middle descriptors and owns them.
/// </summary>
internal sealed class RelayedConnection : IDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    private const int F_DUPFD_CLOEXEC = 1030;

    private RelayedConnection(Socket client, Socket server)
    {
        Client = client;
        Server = server;
    }

    /// <summary>The outside client, talking to the relay.</summary>
    public Socket Client { get; }

    /// <summary>The outside server, behind the relay.</summary>
    public Socket Server { get; }

    /// <summary>Connects a client and a server and hands the two middle ends to the engine behind <paramref name="source"/>.</summary>
    public static RelayedConnection Start(TestClientSource source)
    {
        using var listener = Listen();
        var (client, relayClientSide) = ConnectPair(listener);
        var (relayServerSide, server) = ConnectPair(listener);
        source.Add(TakeDescriptor(relayClientSide), TakeDescriptor(relayServerSide));
        return new RelayedConnection(client, server);
    }

    /// <summary>Connects a client only; the engine connects to its target itself, and the test accepts there.</summary>
    public static Socket StartClientOnly(TestClientSource source)
    {
        using var listener = Listen();
        var (client, relayClientSide) = ConnectPair(listener);
        source.Add(TakeDescriptor(relayClientSide), -1);
        return client;
    }

    public static Socket Listen(int backlog = 16)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(backlog);
        return listener;
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
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

    /// <summary>Reads until the connection fails and returns what arrived before; a clean end of stream fails the test.</summary>
    public static async Task<(byte[] Before, SocketException Error)> ReadUntilFailureAsync(Socket socket)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TestTimeout);
            }
            catch (SocketException e)
            {
                return (received.ToArray(), e);
            }

            Assert.True(read > 0, $"clean end of stream (FIN) after {received.Length} bytes where a reset was expected");
            received.Write(buffer, 0, read);
        }
    }

    public static async Task<SocketException> SendUntilFailureAsync(Socket socket)
    {
        byte[] chunk = new byte[16 * 1024];
        while (true)
        {
            try
            {
                await socket.SendAsync(chunk.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TestTimeout);
            }
            catch (SocketException e)
            {
                return e;
            }
        }
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static void AssertSameBytes(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int common = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(common == expected.Length, $"first difference at byte {common} of {expected.Length}");
    }

    private static (Socket Connecting, Socket Accepted) ConnectPair(Socket listener)
    {
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        connecting.Connect(listener.LocalEndPoint!);
        return (connecting, listener.Accept());
    }

    /// <summary>A duplicate of the socket's descriptor for the engine; the .NET socket (never used asynchronously) is closed.</summary>
    private static int TakeDescriptor(Socket socket)
    {
        using (socket)
        {
            int fd = Libc.Fcntl((int)socket.SafeHandle.DangerousGetHandle(), F_DUPFD_CLOEXEC, 0);
            return fd >= 0 ? fd : throw SyscallException.FromLastError("fcntl(F_DUPFD_CLOEXEC)", "relay test socket");
        }
    }
}
