using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// A server that keeps what each connection sent: it reads to end of stream, answers
/// <see cref="Reply"/>, and closes. <see cref="NextAsync"/> gives the bytes, connection by connection.
/// </summary>
public sealed class CapturingServer : TcpServer
{
    public static readonly byte[] Reply = "captured"u8.ToArray();

    private readonly Channel<byte[]> _captured;

    private CapturingServer(Socket listener, Channel<byte[]> captured)
        : base(listener, connection => CaptureAsync(connection, captured))
    {
        _captured = captured;
    }

    public static CapturingServer Start(TestNamespace ns, IPEndPoint endpoint) =>
        new(ns.Listen(endpoint), Channel.CreateUnbounded<byte[]>());

    /// <summary>Everything the next connection sent before its end of stream.</summary>
    public async Task<byte[]> NextAsync(TimeSpan timeout) => await _captured.Reader.ReadAsync().AsTask().WaitAsync(timeout).ConfigureAwait(false);

    private static async Task CaptureAsync(Socket connection, Channel<byte[]> captured)
    {
        byte[] received = await connection.ReceiveToEndAsync().ConfigureAwait(false);
        await captured.Writer.WriteAsync(received).ConfigureAwait(false);
        await connection.SendAllAsync(Reply).ConfigureAwait(false);
        connection.Shutdown(SocketShutdown.Send);
    }
}
