using System.Net.Sockets;

namespace NetnsTcpBridge.TestSupport;

/// <summary>Client-side helpers: whole-stream reads, echo round trips, payloads.</summary>
public static class SocketIo
{
    /// <summary>Reads until end of stream and returns everything read.</summary>
    public static async Task<byte[]> ReceiveToEndAsync(this Socket socket)
    {
        using var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            int count = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            if (count == 0)
            {
                return received.ToArray();
            }

            received.Write(buffer, 0, count);
        }
    }

    public static async Task SendAllAsync(this Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancel = default)
    {
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, cancel).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes; false if the stream ended first.</summary>
    public static async Task<bool> ReceiveExactlyAsync(this Socket socket, Memory<byte> buffer, CancellationToken cancel = default)
    {
        while (!buffer.IsEmpty)
        {
            int count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel).ConfigureAwait(false);
            if (count == 0)
            {
                return false;
            }

            buffer = buffer[count..];
        }

        return true;
    }

    /// <summary>
    /// Sends <paramref name="payload"/> then half-closes, while reading concurrently until end of
    /// stream (so that neither side's buffers can fill up and stall); returns what came back.
    /// </summary>
    public static async Task<byte[]> EchoRoundTripAsync(this Socket socket, byte[] payload)
    {
        var receive = socket.ReceiveToEndAsync();
        await socket.SendAllAsync(payload).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
        return await receive.ConfigureAwait(false);
    }

    /// <summary>
    /// Sends 1000 bytes to an echo server and reads them back, each read within
    /// <paramref name="timeout"/>; the connection stays open.
    /// </summary>
    public static async Task AssertEchoedAsync(this Socket client, int seed, TimeSpan timeout)
    {
        byte[] ping = Payload(seed, 1000);
        await client.SendAllAsync(ping).ConfigureAwait(false);
        byte[] pong = new byte[ping.Length];
        int read = 0;
        while (read < pong.Length)
        {
            int count = await client.ReceiveAsync(pong.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(timeout).ConfigureAwait(false);
            Assert.True(count > 0, "the echo ended early");
            read += count;
        }

        AssertSameBytes(ping, pong, "echo through the bridge");
    }

    /// <summary>Reproducible pseudo-random bytes: the same seed gives the same payload.</summary>
    public static byte[] Payload(int seed, int length)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Byte-for-byte equality, reporting the first difference rather than dumping the buffers.</summary>
    public static void AssertSameBytes(byte[] expected, byte[] actual, string what)
    {
        if (expected.AsSpan().SequenceEqual(actual))
        {
            return;
        }

        int common = Math.Min(expected.Length, actual.Length);
        int first = expected.AsSpan(0, common).CommonPrefixLength(actual.AsSpan(0, common));
        Assert.Fail($"{what}: expected {expected.Length} bytes, got {actual.Length}; first difference at offset {first}");
    }
}
