using System.Buffers.Binary;
using System.Net.Sockets;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>
/// A reproducible byte stream per key: the byte at any offset can be generated again, so long
/// transfers are checked byte for byte without keeping what was sent.
/// </summary>
public static class Pattern
{
    /// <summary>Fills <paramref name="destination"/> with the stream of <paramref name="key"/> from <paramref name="offset"/> on.</summary>
    public static void Fill(Span<byte> destination, ulong key, long offset)
    {
        Span<byte> word = stackalloc byte[8];
        int i = 0;
        while (i < destination.Length)
        {
            long position = offset + i;
            long group = position >> 3;
            int within = (int)(position & 7);
            BinaryPrimitives.WriteUInt64LittleEndian(word, Mix(key ^ ((ulong)group * 0x9E3779B97F4A7C15UL)));
            int take = Math.Min(8 - within, destination.Length - i);
            word.Slice(within, take).CopyTo(destination[i..]);
            i += take;
        }
    }

    public static byte[] Bytes(ulong key, long offset, int length)
    {
        byte[] bytes = new byte[length];
        Fill(bytes, key, offset);
        return bytes;
    }

    /// <summary>
    /// Index of the first byte of <paramref name="received"/> that differs from the stream of
    /// <paramref name="key"/> at <paramref name="offset"/>, or -1 when all match.
    /// </summary>
    public static int FirstMismatch(ReadOnlySpan<byte> received, ulong key, long offset, Span<byte> scratch)
    {
        int checkedSoFar = 0;
        while (checkedSoFar < received.Length)
        {
            int length = Math.Min(scratch.Length, received.Length - checkedSoFar);
            var expected = scratch[..length];
            Fill(expected, key, offset + checkedSoFar);
            var actual = received.Slice(checkedSoFar, length);
            if (!actual.SequenceEqual(expected))
            {
                return checkedSoFar + actual.CommonPrefixLength(expected);
            }

            checkedSoFar += length;
        }

        return -1;
    }

    /// <summary>
    /// Sends <paramref name="length"/> bytes of the stream of <paramref name="key"/> while reading
    /// what comes back concurrently, checking every byte; returns the number of bytes checked
    /// (all of them, or the test fails) after the echo's end of stream.
    /// </summary>
    public static async Task<long> EchoAndVerifyAsync(Socket socket, ulong key, long length, int chunk = 256 * 1024, CancellationToken cancel = default)
    {
        var receive = ReceiveAndVerifyAsync(socket, key, length, chunk, cancel);
        byte[] buffer = new byte[chunk];
        for (long sent = 0; sent < length;)
        {
            int size = (int)Math.Min(chunk, length - sent);
            Fill(buffer.AsSpan(0, size), key, sent);
            await socket.SendAllAsync(buffer.AsMemory(0, size), cancel).ConfigureAwait(false);
            sent += size;
        }

        socket.Shutdown(SocketShutdown.Send);
        return await receive.ConfigureAwait(false);
    }

    /// <summary>Reads to end of stream, checking every byte against the stream of <paramref name="key"/>; it must be exactly <paramref name="expectedLength"/> long.</summary>
    public static async Task<long> ReceiveAndVerifyAsync(Socket socket, ulong key, long expectedLength, int chunk = 256 * 1024, CancellationToken cancel = default)
    {
        byte[] buffer = new byte[chunk];
        byte[] scratch = new byte[chunk];
        long received = 0;
        while (true)
        {
            int count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel).ConfigureAwait(false);
            if (count == 0)
            {
                Assert.True(received == expectedLength, $"stream {key}: end of stream after {received} bytes, {expectedLength} were sent ({expectedLength - received} lost)");
                return received;
            }

            int mismatch = FirstMismatch(buffer.AsSpan(0, count), key, received, scratch);
            Assert.True(mismatch < 0, $"stream {key}: byte {received + mismatch} differs from what was sent");
            received += count;
            Assert.True(received <= expectedLength, $"stream {key}: {received} bytes came back, only {expectedLength} were sent");
        }
    }

    private static ulong Mix(ulong value)
    {
        // splitmix64 finaliser
        value += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
