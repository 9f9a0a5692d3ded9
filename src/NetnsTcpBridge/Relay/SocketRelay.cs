using System.Buffers;
using System.Net.Sockets;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// Copies bytes both ways between two connected sockets until both directions have ended.
/// </summary>
/// <remarks>
/// Theory of operation. Each direction is a pump that waits for readability with a zero-byte
/// receive (so an idle connection holds no buffer), rents a buffer only while data flows, and
/// writes everything it read before reading again.
/// - FIN: end of stream from one side becomes shutdown(SHUT_WR) on the other; the opposite
///   direction keeps flowing. The pair is released only when both directions have ended.
/// - RST: when reading or writing fails (a reset, a broken pipe), the pair is aborted: both sockets
///   are closed with SO_LINGER {1, 0} so the peer that is still there sees a reset too, not a FIN.
/// </remarks>
public sealed class SocketRelay
{
    /// <summary>Buffer rented while data flows; 64 KiB matches a full TCP receive on loopback.</summary>
    private const int BufferSize = 64 * 1024;

    private readonly Socket _client;
    private readonly Socket _server;
    private int _aborted;

    public SocketRelay(Socket client, Socket server)
    {
        _client = client;
        _server = server;
    }

    /// <summary>Relays until both directions end; then the sockets are closed (this relay owns them).</summary>
    public async Task<RelayResult> RunAsync()
    {
        var upload = PumpAsync(_client, _server);
        var download = PumpAsync(_server, _client);
        var result = new RelayResult(await upload.ConfigureAwait(false), await download.ConfigureAwait(false));
        if (Volatile.Read(ref _aborted) == 0)
        {
            _client.Dispose();
            _server.Dispose();
        }

        return result;
    }

    /// <summary>Resets both connections at once; used when a pump fails and when the bridge stops abortively.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        ResetAndClose(_client);
        ResetAndClose(_server);
    }

    private static void ResetAndClose(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(enable: true, seconds: 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone; closing below is all that is left to do.
        }

        socket.Dispose();
    }

    private async Task<DirectionResult> PumpAsync(Socket from, Socket to)
    {
        long total = 0;
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                int received;
                try
                {
                    if (buffer is null)
                    {
                        await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                        buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                    }

                    received = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                }
                catch (Exception e) when (IsSocketFailure(e))
                {
                    return Fail(total, DirectionEnding.ReadFailed, e);
                }

                if (received == 0)
                {
                    return EndOfStream(total, to);
                }

                try
                {
                    await to.SendAsync(buffer.AsMemory(0, received), SocketFlags.None).ConfigureAwait(false);
                }
                catch (Exception e) when (IsSocketFailure(e))
                {
                    return Fail(total, DirectionEnding.WriteFailed, e);
                }

                total += received;

                // A short read means the sender has paused: give the buffer back while we wait.
                if (received < buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private DirectionResult EndOfStream(long total, Socket to)
    {
        try
        {
            to.Shutdown(SocketShutdown.Send);
            return new DirectionResult(total, DirectionEnding.EndOfStream, null);
        }
        catch (Exception e) when (IsSocketFailure(e))
        {
            return Fail(total, DirectionEnding.WriteFailed, e);
        }
    }

    private DirectionResult Fail(long total, DirectionEnding ending, Exception error)
    {
        bool wasAborted = Volatile.Read(ref _aborted) != 0;
        Abort();
        return wasAborted
            ? new DirectionResult(total, DirectionEnding.Aborted, null)
            : new DirectionResult(total, ending, Describe(error));
    }

    private static bool IsSocketFailure(Exception e) =>
        e is SocketException or ObjectDisposedException or OperationCanceledException;

    private static string Describe(Exception e) => e is SocketException socketError
        ? socketError.SocketErrorCode.ToString()
        : e.GetType().Name;
}
