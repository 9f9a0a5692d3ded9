using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>One question to one nameserver: over UDP, and over TCP when the UDP answer was truncated.</summary>
internal static class DnsExchange
{
    private const int MaxMessageLength = 65535;

    /// <summary>Asks over UDP and, if the answer comes back truncated, again over TCP.</summary>
    public static DnsReply Ask(IPEndPoint server, string name, DnsRecordType type, TimeSpan timeout)
    {
        ushort id = QueryId.Next();
        byte[] query = DnsQueryWriter.Write(id, name, type)
            ?? throw new ArgumentException($"'{name}' is not a DNS name", nameof(name));
        var reply = OverUdp(server, query, id, name, type, timeout);
        if (reply is DnsReply.Truncated)
        {
            Log.Debug($"dns: {type} {name} from {server.Address}: truncated over UDP, asking over TCP");
            reply = OverTcp(server, query, id, name, type, timeout);
        }

        return reply;
    }

    /// <summary>
    /// The socket is connected, so the kernel picks a random source port and passes on only
    /// datagrams from the server's address and port 53; anything else that arrives (another id,
    /// another question) is ignored while the wait goes on, as glibc does.
    /// </summary>
    public static DnsReply OverUdp(IPEndPoint server, byte[] query, ushort id, string name, DnsRecordType type, TimeSpan timeout)
    {
        using var socket = DnsSocket.Open(server, Libc.SOCK_DGRAM, out int errno);
        if (socket is null)
        {
            return Failed("socket", errno);
        }

        if ((errno = socket.Connect(server)) != 0)
        {
            return Failed("connect", errno);
        }

        if (socket.Send(query, out errno) < 0)
        {
            return Failed("send", errno);
        }

        long deadline = DnsSocket.DeadlineAfter(timeout);
        byte[] buffer = new byte[MaxMessageLength];
        while (true)
        {
            if (!socket.WaitFor(Libc.POLLIN, deadline))
            {
                return TimedOut(timeout);
            }

            int received = socket.Receive(buffer, out errno);
            if (received < 0)
            {
                if (errno is (int)Errno.EAGAIN or (int)Errno.EINTR)
                {
                    continue;
                }

                return Failed("recv", errno);
            }

            var reply = DnsAnswerParser.Parse(buffer.AsSpan(0, received), id, name, type);
            if (reply is not DnsReply.NotOurs ignored)
            {
                return reply;
            }

            Log.Debug($"dns: ignored a datagram from {server.Address}: {ignored.Reason}");
        }
    }

    /// <summary>RFC 1035 4.2.2: each message preceded by its length in two bytes; one deadline for the whole exchange.</summary>
    public static DnsReply OverTcp(IPEndPoint server, byte[] query, ushort id, string name, DnsRecordType type, TimeSpan timeout)
    {
        long deadline = DnsSocket.DeadlineAfter(timeout);
        using var socket = DnsSocket.Open(server, Libc.SOCK_STREAM, out int errno);
        if (socket is null)
        {
            return Failed("socket", errno);
        }

        errno = socket.Connect(server);
        if (errno == (int)Errno.EINPROGRESS)
        {
            errno = socket.WaitFor(Libc.POLLOUT, deadline) ? socket.PendingError() : (int)Errno.ETIMEDOUT;
        }

        if (errno != 0)
        {
            return errno == (int)Errno.ETIMEDOUT ? TimedOut(timeout, "TCP connect") : Failed("TCP connect", errno);
        }

        byte[] framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        for (int sent = 0; sent < framed.Length;)
        {
            if (!socket.WaitFor(Libc.POLLOUT, deadline))
            {
                return TimedOut(timeout, "TCP");
            }

            int count = socket.Send(framed.AsSpan(sent), out errno);
            if (count < 0 && errno is not ((int)Errno.EAGAIN or (int)Errno.EINTR))
            {
                return Failed("TCP send", errno);
            }

            sent += Math.Max(count, 0);
        }

        byte[] lengthBytes = new byte[2];
        if (ReadExactly(socket, lengthBytes, deadline, timeout) is { } lengthFailure)
        {
            return lengthFailure;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(lengthBytes);
        byte[] message = new byte[length];
        if (ReadExactly(socket, message, deadline, timeout) is { } messageFailure)
        {
            return messageFailure;
        }

        return DnsAnswerParser.Parse(message, id, name, type) switch
        {
            DnsReply.NotOurs other => new DnsReply.Malformed($"over TCP, {other.Reason}"),
            DnsReply.Truncated => new DnsReply.Malformed("truncated even over TCP"),
            var reply => reply,
        };
    }

    private static DnsReply? ReadExactly(DnsSocket socket, byte[] buffer, long deadline, TimeSpan timeout)
    {
        for (int filled = 0; filled < buffer.Length;)
        {
            if (!socket.WaitFor(Libc.POLLIN, deadline))
            {
                return TimedOut(timeout, "TCP");
            }

            int count = socket.Receive(buffer.AsSpan(filled), out int errno);
            if (count == 0)
            {
                return new DnsReply.Malformed($"the TCP connection closed after {filled} of {buffer.Length} bytes");
            }

            if (count < 0 && errno is not ((int)Errno.EAGAIN or (int)Errno.EINTR))
            {
                return Failed("TCP recv", errno);
            }

            filled += Math.Max(count, 0);
        }

        return null;
    }

    private static DnsReply.NoAnswer TimedOut(TimeSpan timeout, string? what = null) =>
        new($"{(what is null ? string.Empty : what + " ")}timeout after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");

    private static DnsReply.NoAnswer Failed(string call, int errno) => new(errno switch
    {
        (int)Errno.ECONNREFUSED => "connection refused: nothing listens on port 53",
        _ => $"{call}: {SyscallException.DescribeErrno(errno)}",
    });
}
