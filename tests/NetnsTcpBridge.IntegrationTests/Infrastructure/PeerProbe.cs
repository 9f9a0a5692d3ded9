using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// Socket steps that record what a peer observes instead of throwing: reads until end of stream
/// or error, writes that report their errno, resets, the urgent mark.
/// </summary>
/// <remarks>
/// <para>
/// Reads and writes call recv(2) and send(2) directly (MSG_DONTWAIT, waiting with poll(2)), so
/// that an observation is exactly what the kernel said, in the order it said it. .NET's own
/// sends do not keep that: after a reset of an open connection they sometimes report EPIPE
/// instead of ECONNRESET, even on a direct connection, and EPIPE is what the kernel reports
/// only for a reset that came after a FIN. Waits react at once, as an event loop would: a peer
/// that dawdles changes the races a bridge has to get right.
/// </para>
/// <para>
/// A socket is only ever closed here while no .NET operation is pending on it: .NET turns the
/// close of a TCP socket with a pending operation into a reset, which would falsify the observation.
/// </para>
/// </remarks>
public static class PeerProbe
{
    /// <summary>Marks the read position at which SIOCATMARK said "urgent mark here".</summary>
    public const string UrgentMark = "{mark}";

    private const int PollSliceMilliseconds = 50;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);

    /// <summary>The errno name of a socket error reported by .NET (e.g. by a connect), as the C API would name it.</summary>
    public static string ErrnoName(SocketError error) => error switch
    {
        SocketError.ConnectionReset => "ECONNRESET",
        SocketError.Shutdown => "EPIPE",
        SocketError.ConnectionRefused => "ECONNREFUSED",
        SocketError.TimedOut => "ETIMEDOUT",
        _ => error.ToString(),
    };

    /// <summary>Bytes in words that compare exactly: short ASCII as text, anything else as length and hash.</summary>
    public static string DescribeBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "nothing";
        }

        bool printable = true;
        foreach (byte b in bytes)
        {
            printable &= b is >= 0x20 and < 0x7f;
        }

        return printable && bytes.Length <= 80
            ? $"\"{Encoding.ASCII.GetString(bytes)}\""
            : $"{bytes.Length} bytes sha256:{Convert.ToHexString(SHA256.HashData(bytes))[..16]}";
    }

    /// <summary>Reads until end of stream or a failure; returns the bytes read and <c>EOF</c> or the errno name.</summary>
    public static async Task<(byte[] Bytes, string Ending)> ReadUntilEndAsync(this Socket socket, TimeSpan timeout)
    {
        using var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            long result = RawRecv(socket, buffer, buffer.Length);
            if (result > 0)
            {
                received.Write(buffer, 0, (int)result);
            }
            else if (result == 0)
            {
                return (received.ToArray(), "EOF");
            }
            else if (result is -Native.EAGAIN or -Native.EINTR)
            {
                if (!await PollAsync(socket, Native.POLLIN, deadline).ConfigureAwait(false))
                {
                    throw new TimeoutException($"read {received.Length} bytes, then neither more nor an end within {timeout.TotalSeconds} s");
                }
            }
            else
            {
                return (received.ToArray(), ErrnoName((int)-result));
            }
        }
    }

    /// <summary>Sends everything; returns <c>ok</c>, or the errno name of the first write that failed.</summary>
    public static async Task<string> TrySendAllAsync(this Socket socket, ReadOnlyMemory<byte> data, TimeSpan timeout, int flags = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!data.IsEmpty)
        {
            long result = RawSend(socket, data.Span, flags);
            if (result > 0)
            {
                data = data[(int)result..];
            }
            else if (result is -Native.EAGAIN or -Native.EINTR)
            {
                if (!await PollAsync(socket, Native.POLLOUT, deadline).ConfigureAwait(false))
                {
                    throw new TimeoutException($"{data.Length} bytes still unsent after {timeout.TotalSeconds} s, and no error");
                }
            }
            else
            {
                return ErrnoName((int)-result);
            }
        }

        return "ok";
    }

    /// <summary>Sends <paramref name="before"/>, then <paramref name="urgent"/> alone with MSG_OOB, then <paramref name="after"/>.</summary>
    public static async Task<string> TrySendWithUrgentByteAsync(this Socket socket, string before, char urgent, string after, TimeSpan timeout)
    {
        string wrote = await socket.TrySendAllAsync(Encoding.ASCII.GetBytes(before), timeout).ConfigureAwait(false);
        if (wrote == "ok")
        {
            wrote = await socket.TrySendAllAsync(new[] { (byte)urgent }, timeout, Native.MSG_OOB).ConfigureAwait(false);
        }

        return wrote == "ok" ? await socket.TrySendAllAsync(Encoding.ASCII.GetBytes(after), timeout).ConfigureAwait(false) : wrote;
    }

    /// <summary>shutdown(SHUT_WR); returns <c>ok</c> or the errno name (e.g. after the connection was reset).</summary>
    public static string TryShutdownSend(this Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            return "ok";
        }
        catch (SocketException e)
        {
            return ErrnoName(e.SocketErrorCode);
        }
    }

    /// <summary>Closes with SO_LINGER {1, 0}: the kernel sends a reset and discards what was not sent.</summary>
    public static void Reset(this Socket socket)
    {
        socket.LingerState = new LingerOption(enable: true, seconds: 0);
        socket.Close();
    }

    /// <summary>Waits until the peer has acknowledged every byte written (SIOCOUTQ is 0), so that a reset loses none.</summary>
    public static async Task WaitUntilSentAsync(this Socket socket, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Query(socket, Native.SIOCOUTQ) > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Query(socket, Native.SIOCOUTQ)} bytes still unacknowledged after {timeout.TotalSeconds} s");
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Like <see cref="WaitUntilSentAsync"/>, but also returns once the connection was reset or
    /// closed: a reset empties the send queue without moving SIOCOUTQ, which would wait forever.
    /// </summary>
    public static async Task WaitUntilSentOrResetAsync(this Socket socket, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Query(socket, Native.SIOCOUTQ) > 0 && !IsHungUp(socket))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Query(socket, Native.SIOCOUTQ)} bytes still unacknowledged after {timeout.TotalSeconds} s, and no reset");
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>True once poll reports POLLHUP or POLLERR (reported whatever is asked, and not consumed).</summary>
    private static unsafe bool IsHungUp(Socket socket) => WithDescriptor(socket, fd =>
    {
        var entry = new Native.PollFd { Fd = fd, Events = 0 };
        return Native.Poll(&entry, 1, 0) > 0 && (entry.Revents & (Native.POLLHUP | Native.POLLERR)) != 0 ? 1 : 0;
    }) != 0;

    /// <summary>Waits until input is there (bytes, end of stream or an error), without reading.</summary>
    public static async Task WaitForInputAsync(this Socket socket, TimeSpan timeout)
    {
        if (!await PollAsync(socket, Native.POLLIN, DateTime.UtcNow + timeout).ConfigureAwait(false))
        {
            throw new TimeoutException($"nothing arrived within {timeout.TotalSeconds} s");
        }
    }

    /// <summary>Bytes that can be read now (SIOCINQ).</summary>
    public static int UnreadBytes(this Socket socket) => Query(socket, Native.SIOCINQ);

    /// <summary>True when the read position is at the urgent mark (SIOCATMARK).</summary>
    public static bool IsAtUrgentMark(this Socket socket) => Query(socket, Native.SIOCATMARK) != 0;

    /// <summary>
    /// Reads up to <paramref name="count"/> bytes as ASCII, writing <see cref="UrgentMark"/> where
    /// the urgent mark was, and <c>{EOF}</c> or <c>{ERRNO}</c> if the stream ended early. Needs
    /// SO_OOBINLINE: the urgent byte stays in the stream, so nothing can be discarded by reading.
    /// </summary>
    /// <remarks>
    /// The kernel learns of the mark from the segment that carries the urgent byte, before that
    /// byte is queued; so once the byte at the read position is there, SIOCATMARK is settled for
    /// that position. Hence: wait until something is readable, ask SIOCATMARK, read; every read
    /// stops just before the next mark.
    /// </remarks>
    public static async Task<string> ReceiveMarkingUrgentAsync(this Socket socket, int count, TimeSpan timeout)
    {
        var text = new StringBuilder();
        byte[] buffer = new byte[count];
        int total = 0;
        var deadline = DateTime.UtcNow + timeout;
        while (total < count)
        {
            // Readable also means end of stream or an error: then the read below says which.
            if (!await PollAsync(socket, Native.POLLIN, deadline).ConfigureAwait(false))
            {
                throw new TimeoutException($"read \"{text}\" ({total} of {count} bytes), then nothing more within {timeout.TotalSeconds} s");
            }

            bool atMark = socket.IsAtUrgentMark();
            long read = RawRecv(socket, buffer, count - total);
            if (read is -Native.EAGAIN or -Native.EINTR)
            {
                continue;
            }

            if (atMark)
            {
                text.Append(UrgentMark);
            }

            if (read <= 0)
            {
                return text.Append('{').Append(read == 0 ? "EOF" : ErrnoName((int)-read)).Append('}').ToString();
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, (int)read));
            total += (int)read;
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads until end of stream or a failure, noting the offset of every urgent mark met (needs
    /// SO_OOBINLINE, as <see cref="ReceiveMarkingUrgentAsync"/>); returns the bytes, the marks, and
    /// <c>EOF</c> or the errno name.
    /// </summary>
    /// <remarks>
    /// With <paramref name="stop"/> cancelled it returns within a poll slice, ending <c>stopped</c>,
    /// holding the descriptor no longer: a socket closed while a call still holds it is shut down
    /// first by .NET, which would send a FIN before a reset meant to be the only ending.
    /// </remarks>
    public static async Task<(byte[] Bytes, List<int> Marks, string Ending)> ReadUntilEndMarkingUrgentAsync(this Socket socket, TimeSpan timeout, CancellationToken stop = default)
    {
        using var received = new MemoryStream();
        var marks = new List<int>();
        byte[] buffer = new byte[64 * 1024];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (stop.IsCancellationRequested)
            {
                return (received.ToArray(), marks, "stopped");
            }

            if (!await Task.Run(() => PollOnce(socket, Native.POLLIN)).ConfigureAwait(false))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"read {received.Length} bytes, then neither more nor an end within {timeout.TotalSeconds} s");
                }

                continue;
            }

            bool atMark = socket.IsAtUrgentMark();
            long read = RawRecv(socket, buffer, buffer.Length);
            if (read is -Native.EAGAIN or -Native.EINTR)
            {
                continue;
            }

            if (atMark && read > 0 && (marks.Count == 0 || marks[^1] != (int)received.Length))
            {
                marks.Add((int)received.Length);
            }

            if (read <= 0)
            {
                return (received.ToArray(), marks, read == 0 ? "EOF" : ErrnoName((int)-read));
            }

            received.Write(buffer, 0, (int)read);
        }
    }

    private static string ErrnoName(int errno) => errno switch
    {
        Native.ECONNRESET => "ECONNRESET",
        Native.EPIPE => "EPIPE",
        _ => Native.Describe(errno),
    };

    /// <summary>
    /// poll(2) for <paramref name="events"/> (an error or hang-up also ends the wait), in slices on
    /// a pool thread; false when <paramref name="deadline"/> passed first. poll does not consume
    /// the socket's pending error: the next send or recv reports it.
    /// </summary>
    private static async Task<bool> PollAsync(Socket socket, short events, DateTime deadline)
    {
        while (DateTime.UtcNow <= deadline)
        {
            if (await Task.Run(() => PollOnce(socket, events)).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    /// <remarks>
    /// EINTR is no readiness: a signal for the polling thread (SIGCHLD goes to the thread that
    /// started the child, e.g. a bridge or an 'ip' of another test) ends poll early, before
    /// anything arrived. A caller that trusts the wake-up without reading, such as
    /// <see cref="WaitForInputAsync"/>, would then act on input that is not there yet.
    /// </remarks>
    private static unsafe bool PollOnce(Socket socket, short events)
    {
        int ready = (int)WithDescriptor(socket, fd =>
        {
            var entry = new Native.PollFd { Fd = fd, Events = events };
            return Native.Poll(&entry, 1, PollSliceMilliseconds);
        });
        return ready > 0;
    }

    /// <summary>send(2) with MSG_DONTWAIT: the byte count, or -errno.</summary>
    private static unsafe long RawSend(Socket socket, ReadOnlySpan<byte> data, int flags)
    {
        nuint length = (nuint)data.Length;
        fixed (byte* pointer = data)
        {
            byte* start = pointer;
            return WithDescriptor(socket, fd => Native.Send(fd, start, length, flags | Native.MSG_DONTWAIT | Native.MSG_NOSIGNAL));
        }
    }

    /// <summary>recv(2) with MSG_DONTWAIT: the byte count, 0 at end of stream, or -errno.</summary>
    private static unsafe long RawRecv(Socket socket, byte[] buffer, int length)
    {
        fixed (byte* pointer = buffer)
        {
            byte* start = pointer;
            return WithDescriptor(socket, fd => Native.Recv(fd, start, (nuint)length, Native.MSG_DONTWAIT));
        }
    }

    /// <summary>Runs one call on the socket's descriptor, kept open meanwhile; its result, or -errno when it failed.</summary>
    private static long WithDescriptor(Socket socket, Func<int, nint> call)
    {
        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            nint result = call((int)handle.DangerousGetHandle());
            return result >= 0 ? result : -Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static unsafe int Query(Socket socket, uint request)
    {
        int value = 0;
        int* output = &value;
        long result = WithDescriptor(socket, fd => Native.IoctlInt(fd, request, output));
        return result == 0 ? value : throw new InvalidOperationException($"ioctl 0x{request:X}: {Native.Describe((int)-result)}");
    }
}
