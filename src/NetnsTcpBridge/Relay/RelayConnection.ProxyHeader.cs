using System.Net;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.ProxyProtocol;

namespace NetnsTcpBridge.Relay;

// The PROXY protocol on both legs: reading a front proxy's header from the client before
// connecting (--accept-proxy), and writing one to the target before any client byte (--proxy-protocol).
internal sealed partial class RelayConnection
{
    /// <summary>The client as a front proxy announced it; null: the socket's own peer.</summary>
    private IPEndPoint? _announcedSource;

    /// <summary>The address the client connected to, as the front proxy announced it.</summary>
    private IPEndPoint? _announcedDestination;

    /// <summary>What is left to write of the outgoing header after a short write; null when nothing is.</summary>
    private byte[]? _unsentProxyHeader;

    private int _unsentProxyHeaderOffset;
    private bool _proxyHeaderSent;

    /// <summary>Refusals of peers outside --accept-proxy-from, for the whole connector: a client may retry in a loop.</summary>
    private static readonly WarningThrottle s_untrustedProxyWarnings = new(TimeSpan.FromSeconds(10));

    // ---- reading: nothing but the header is consumed, and it is bounded in bytes and in time ----

    /// <summary>
    /// With --accept-proxy-from, whether the socket's peer may send a header at all; a peer
    /// outside the prefixes (or without an IP address) is reset at once (then false), since
    /// a header announces whatever address its sender likes.
    /// </summary>
    private bool AdmitAsProxy()
    {
        if (_route.AcceptProxyFrom is not { } trusted
            || (SourceLimiter.TryGetSource(Client, out var peer) && trusted.Contains(peer)))
        {
            return true;
        }

        End(CloseReason.RefusedUntrustedProxy, null);
        if (s_untrustedProxyWarnings.Count(out long refused))
        {
            Log.Warning($"{_route.LogPrefix}client {ClientName}: not in --accept-proxy-from ({trusted}), so its PROXY header is not believed: resetting the connection ({refused} refused since the previous such warning; one every 10 s at most)");
        }

        Close(reset: true);
        return false;
    }

    private void BeginReadingProxyHeader(EventLoop loop)
    {
        Phase = RelayPhase.ReadingProxyHeader;
        DeadlineTicks = Environment.TickCount64 + (long)_context.Options.ProxyHeaderTimeout.TotalMilliseconds;
        loop.TrackProxyHeaderDeadline(this);

        // The header usually came with the connection: no need to wait for an event to read it.
        ReadProxyHeader(peerHasClosed: false);
    }

    private void OnProxyHeaderInput(uint events)
    {
        // Edge-triggered: urgent data announced now would be missed by the relay later (see Connecting).
        _clientUrgentWhileConnecting |= (events & Libc.EPOLLPRI) != 0;
        ReadProxyHeader(peerHasClosed: (events & (Libc.EPOLLRDHUP | Libc.EPOLLHUP)) != 0);
    }

    /// <summary>
    /// Peeks at what the client has sent; once it holds a whole header, reads exactly that many
    /// bytes, so the client's first bytes stay in the socket for the relay. Until then, waits for
    /// the next EPOLLIN (more bytes) or the deadline. <paramref name="peerHasClosed"/>: the client
    /// has sent its FIN, so no more bytes will come.
    /// </summary>
    private unsafe void ReadProxyHeader(bool peerHasClosed)
    {
        byte* buffer = stackalloc byte[ProxyHeaderParser.MaxLength];
        nint peeked = Libc.Recv(Client, buffer, ProxyHeaderParser.MaxLength, Libc.MSG_PEEK | Libc.MSG_DONTWAIT);
        if (peeked < 0)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            if (errno is not (Errno.EAGAIN or Errno.EINTR))
            {
                RejectProxyHeader($"reading it failed: {SyscallException.DescribeErrno((int)errno)}");
            }

            return;
        }

        var received = new ReadOnlySpan<byte>(buffer, (int)peeked);
        var status = ProxyHeaderParser.TryParse(received, out var header, out int length, out string problem);
        if (status == ProxyHeaderStatus.Incomplete)
        {
            if (peeked == 0 || peerHasClosed)
            {
                RejectProxyHeader(peeked == 0 ? "the client closed the connection before sending one" : $"the client closed the connection after {peeked} byte(s) of it");
            }

            return;
        }

        if (status == ProxyHeaderStatus.Invalid)
        {
            RejectProxyHeader(problem);
            return;
        }

        // The same bytes again, consumed this time; the peek showed they are all there.
        nint consumed = Libc.Recv(Client, buffer, (nuint)length, Libc.MSG_DONTWAIT);
        if (consumed != length)
        {
            RejectProxyHeader($"reading its {length} bytes returned {(consumed < 0 ? SyscallException.DescribeErrno(Marshal.GetLastPInvokeError()) : consumed.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
            return;
        }

        AcceptProxyHeader(header);

        // Counted by the address the front proxy announced, not by the proxy's own.
        if (MoveToAnnouncedSource())
        {
            ConnectOrRelay(_context.Loop);
        }
    }

    private void AcceptProxyHeader(in ProxyHeader header)
    {
        if (header.HasAddresses)
        {
            _announcedSource = header.Source;
            _announcedDestination = header.Destination;
        }

        if (Log.IsEnabled(LogLevel.Debug))
        {
            string proxy = SocketNames.Peer(Client);
            Log.Debug(header.HasAddresses
                ? $"{_route.LogPrefix}{proxy}: PROXY v{header.Version} {header.Kind} header: client {TcpAddress.Format(header.Source)}, connected to {TcpAddress.Format(header.Destination)}"
                : $"{_route.LogPrefix}{proxy}: PROXY v{header.Version} {header.Kind} header: no client address; the connection's own endpoints stand");
        }

        if (_announcedSource is not null)
        {
            // From now on the messages name the client, not the front proxy.
            _clientName = TcpAddress.Format(_announcedSource);
        }
    }

    /// <summary>A bad, truncated or late header: this client alone is reset, in one line saying why.</summary>
    private void RejectProxyHeader(string why)
    {
        End(CloseReason.BadProxyHeader, why);
        if (WarningBurstLimit.BadProxyHeaders.TryWrite(out long leftOut))
        {
            Log.Warning($"{_route.LogPrefix}client {ClientName}: bad PROXY header: {why}; resetting the connection{WarningBurstLimit.LeftOutNote(leftOut)}");
        }

        Close(reset: true);
    }

    // ---- writing: the header goes before every client byte, and never blocks the loop ----

    /// <summary>
    /// Writes the outgoing header, or what is left of it. True once it is all out; false while
    /// waiting for EPOLLOUT on the server (phase SendingProxyHeader) or after a failure (closed).
    /// </summary>
    private unsafe bool SendProxyHeader()
    {
        if (_proxyHeaderSent)
        {
            return true;
        }

        // The header is tiny and the fresh socket's send buffer empty, so it goes out whole at
        // once; only a short write ever needs a copy of the rest on the heap.
        Span<byte> formatted = stackalloc byte[ProxyHeaderWriter.MaxLength];
        ReadOnlySpan<byte> pending = _unsentProxyHeader is null
            ? formatted[..FormatProxyHeader(formatted)]
            : _unsentProxyHeader.AsSpan(_unsentProxyHeaderOffset);
        while (true)
        {
            nint sent;
            fixed (byte* pointer = pending)
            {
                sent = Libc.Send(Server, pointer, (nuint)pending.Length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
            }

            var errno = sent < 0 ? (Errno)Marshal.GetLastPInvokeError() : 0;
            if (sent == pending.Length)
            {
                _proxyHeaderSent = true;
                _unsentProxyHeader = null;
                return true;
            }

            if (sent > 0 || errno == Errno.EAGAIN)
            {
                if (Phase != RelayPhase.SendingProxyHeader)
                {
                    Log.Debug($"{_route.LogPrefix}{ClientName}: the target's socket took {Math.Max(0, sent)} of the PROXY header's {pending.Length} bytes; the rest waits for room");
                }

                RememberUnsent(pending[(int)Math.Max(0, sent)..]);
                Phase = RelayPhase.SendingProxyHeader;
                return false;
            }

            if (errno != Errno.EINTR)
            {
                End(CloseReason.ResetByServer, $"writing the PROXY header: {SyscallException.DescribeErrno((int)errno)}");
                Close(reset: true);
                return false;
            }
        }
    }

    private void RememberUnsent(ReadOnlySpan<byte> rest)
    {
        if (_unsentProxyHeader is null)
        {
            _unsentProxyHeader = rest.ToArray();
            _unsentProxyHeaderOffset = 0;
        }
        else
        {
            _unsentProxyHeaderOffset = _unsentProxyHeader.Length - rest.Length;
        }
    }

    /// <summary>
    /// The client's address and the one it connected to: as a front proxy announced them, else
    /// the client socket's own peer and local address (in the listen namespace, which is what the
    /// target wants to know, not the bridge's address in the connect namespace).
    /// </summary>
    private int FormatProxyHeader(Span<byte> into)
    {
        var source = _announcedSource ?? SocketNames.PeerEndPoint(Client);
        if (source is not null && _context.Options.ProxyLoopbackSource is { } loopbackAs && System.Net.IPAddress.IsLoopback(source.Address))
        {
            // A loopback client (a sandbox's own 127.x, say) must not be announced as the target's localhost.
            var own = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
            if (own.AddressFamily == loopbackAs.AddressFamily)
            {
                // Spelt as the destination is (an IPv4 client of a dual-stack socket is IPv4-mapped).
                source = new System.Net.IPEndPoint(source.Address.IsIPv4MappedToIPv6 ? loopbackAs.MapToIPv6() : loopbackAs, source.Port);
            }
        }

        var destination = _announcedSource is null ? SocketNames.LocalEndPoint(Client) : _announcedDestination;
        return ProxyHeaderWriter.Write(_route.SendProxyHeader, source, destination, into);
    }
}
