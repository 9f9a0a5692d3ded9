using System.Net;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.ProxyProtocol;

namespace NetnsTcpBridge.Relay;

/// <summary>Where writing the outgoing PROXY header stands.</summary>
internal enum ProxyHeaderSendStatus
{
    /// <summary>All of it is out: the client's bytes may follow.</summary>
    Sent,

    /// <summary>The target's socket took part of it or none: wait for EPOLLOUT, then send again.</summary>
    WaitingForRoom,

    /// <summary>Writing failed (see <see cref="ProxyHeaderSender.Problem"/>): the connection must be reset.</summary>
    Failed,
}

/// <summary>
/// With --proxy-protocol: writes the header that tells the target who the client is, without
/// ever blocking the loop. The connection starts relaying only once it is <see cref="IsSent"/>,
/// and reads nothing from the client before: bytes that arrived while connecting, urgent data
/// among them, wait in the client's socket and follow the header in their place.
/// </summary>
/// <remarks>
/// Its connection keeps it for later clients (RelayConnection.Reuse.cs). The header is tiny and a
/// fresh socket's send buffer empty, so it goes out whole at once from the stack; only a short
/// write ever needs a copy of the rest on the heap.
/// </remarks>
internal sealed class ProxyHeaderSender
{
    private readonly IPAddress? _loopbackSourceAs;

    /// <summary>What is left to write after a short write; null when nothing is.</summary>
    private byte[]? _unsent;

    private int _unsentOffset;

    /// <param name="loopbackSourceAs">--proxy-loopback-source: announced instead of a loopback client address; null: as it is.</param>
    public ProxyHeaderSender(IPAddress? loopbackSourceAs) => _loopbackSourceAs = loopbackSourceAs;

    public bool IsSent { get; private set; }

    /// <summary>The header's length in bytes, once formatted.</summary>
    public int Length { get; private set; }

    /// <summary>Bytes of the header the target's socket has not taken yet.</summary>
    public int UnsentBytes => _unsent is null ? 0 : _unsent.Length - _unsentOffset;

    /// <summary>Why writing failed, in one line; null unless <see cref="Send"/> returned Failed.</summary>
    public string? Problem { get; private set; }

    /// <summary>Makes the sender new for another client: every field as the constructor leaves it (a unit test checks that none is forgotten).</summary>
    public void Reuse()
    {
        _unsent = null;
        _unsentOffset = 0;
        IsSent = false;
        Length = 0;
        Problem = null;
    }

    /// <summary>
    /// Writes the header to <paramref name="server"/>, or what is left of it. The client is named
    /// as a front proxy announced it (<paramref name="announcedSource"/>, with the address it
    /// connected to), else by its socket's own peer and local address: in the listen namespace,
    /// which is what the target wants to know, not the bridge's address in the connect namespace.
    /// </summary>
    public unsafe ProxyHeaderSendStatus Send(int server, ProxyProtocolVersion version, int client, IPEndPoint? announcedSource, IPEndPoint? announcedDestination)
    {
        if (IsSent)
        {
            return ProxyHeaderSendStatus.Sent;
        }

        Span<byte> formatted = stackalloc byte[ProxyHeaderWriter.MaxLength];
        ReadOnlySpan<byte> pending = _unsent is null
            ? formatted[..Format(formatted, version, client, announcedSource, announcedDestination)]
            : _unsent.AsSpan(_unsentOffset);
        while (true)
        {
            nint sent;
            fixed (byte* pointer = pending)
            {
                sent = Libc.Send(server, pointer, (nuint)pending.Length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
            }

            var errno = sent < 0 ? (Errno)Marshal.GetLastPInvokeError() : 0;
            if (sent == pending.Length)
            {
                IsSent = true;
                _unsent = null;
                _unsentOffset = 0;
                return ProxyHeaderSendStatus.Sent;
            }

            if (sent > 0 || errno == Errno.EAGAIN)
            {
                RememberUnsent(pending[(int)Math.Max(0, sent)..]);
                return ProxyHeaderSendStatus.WaitingForRoom;
            }

            if (errno != Errno.EINTR)
            {
                Problem = $"writing the PROXY header: {SyscallException.DescribeErrno((int)errno)}";
                return ProxyHeaderSendStatus.Failed;
            }
        }
    }

    /// <summary>
    /// The client's address as announced: a loopback client (a sandbox's own 127.x, say) must not
    /// be announced as the target's localhost, so with --proxy-loopback-source it is replaced by
    /// that address of the same family, spelt as the destination is (an IPv4 client of a
    /// dual-stack socket is IPv4-mapped). The port stays.
    /// </summary>
    internal static IPEndPoint? AnnouncedClient(IPEndPoint? source, IPAddress? loopbackAs)
    {
        if (source is null || loopbackAs is null || !IPAddress.IsLoopback(source.Address))
        {
            return source;
        }

        var own = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
        return own.AddressFamily != loopbackAs.AddressFamily ? source
            : new IPEndPoint(source.Address.IsIPv4MappedToIPv6 ? loopbackAs.MapToIPv6() : loopbackAs, source.Port);
    }

    private int Format(Span<byte> into, ProxyProtocolVersion version, int client, IPEndPoint? announcedSource, IPEndPoint? announcedDestination)
    {
        var source = AnnouncedClient(announcedSource ?? SocketNames.PeerEndPoint(client), _loopbackSourceAs);
        var destination = announcedSource is null ? SocketNames.LocalEndPoint(client) : announcedDestination;
        Length = ProxyHeaderWriter.Write(version, source, destination, into);
        return Length;
    }

    private void RememberUnsent(ReadOnlySpan<byte> rest)
    {
        if (_unsent is null)
        {
            _unsent = rest.ToArray();
            _unsentOffset = 0;
        }
        else
        {
            _unsentOffset = _unsent.Length - rest.Length;
        }
    }
}
