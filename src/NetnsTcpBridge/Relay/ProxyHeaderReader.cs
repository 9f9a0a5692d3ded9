using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.ProxyProtocol;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// With --accept-proxy: reads the PROXY v1/v2 header a front proxy sends first on a client
/// connection, and nothing more, bounded in bytes (one peek of the longest header) and in time
/// (<see cref="DeadlineTicks"/>). The client's own first bytes stay in its socket for the relay.
/// </summary>
/// <remarks>
/// Its connection keeps it for later clients (RelayConnection.Reuse.cs), so a steady flow of
/// proxied connections allocates no reader; <see cref="Reuse"/> forgets the previous header.
/// </remarks>
internal sealed class ProxyHeaderReader
{
    private readonly TimeSpan _timeout;

    /// <summary>The header read; default until one is.</summary>
    private ProxyHeader _header;

    public ProxyHeaderReader(TimeSpan timeout) => _timeout = timeout;

    /// <summary>Environment.TickCount64 by which the whole header must have been read.</summary>
    public long DeadlineTicks { get; private set; }

    /// <summary>Why the header was refused, in one line; null unless <see cref="Read"/> returned Invalid.</summary>
    public string? Problem { get; private set; }

    /// <summary>The client as the front proxy announced it; null until then, or when the header named none (LOCAL, UNKNOWN).</summary>
    public IPEndPoint? AnnouncedSource => _header.HasAddresses ? _header.Source : null;

    /// <summary>The address the client connected to, as the front proxy announced it (null as <see cref="AnnouncedSource"/> is).</summary>
    public IPEndPoint? AnnouncedDestination => _header.HasAddresses ? _header.Destination : null;

    /// <summary>
    /// With --accept-proxy-from (<paramref name="trusted"/> not null), whether the socket's peer may
    /// send a header at all: a header announces whatever address its sender likes. A peer without
    /// an IP address (a UNIX socket) is not among any prefixes.
    /// </summary>
    public static bool MaySend(int client, TrustedProxies? trusted) =>
        trusted is null || (SourceLimiter.TryGetSource(client, out var peer) && trusted.Contains(peer));

    /// <summary>Makes the reader new for another client: every field as the constructor leaves it (a unit test checks that none is forgotten).</summary>
    public void Reuse()
    {
        _header = default;
        DeadlineTicks = 0;
        Problem = null;
    }

    /// <summary>Starts the time the client has to send its whole header.</summary>
    public void Begin(long nowTicks) => DeadlineTicks = nowTicks + (long)_timeout.TotalMilliseconds;

    /// <summary>The reason to give once <see cref="DeadlineTicks"/> has passed without a whole header.</summary>
    public string DescribeTimeout() => $"not complete within {_timeout.TotalSeconds:0.###} s";

    /// <summary>
    /// Peeks at what <paramref name="client"/> has sent; once it holds a whole header, reads exactly
    /// that many bytes. Incomplete: wait for the next EPOLLIN or the deadline. Complete: the
    /// announced addresses are set. Invalid: <see cref="Problem"/> says why the client must be
    /// reset (a malformed header, or a client that closed before finishing it).
    /// <paramref name="peerHasClosed"/>: the client has sent its FIN, so no more bytes will come.
    /// </summary>
    public unsafe ProxyHeaderStatus Read(int client, bool peerHasClosed)
    {
        byte* buffer = stackalloc byte[ProxyHeaderParser.MaxLength];
        nint peeked = Libc.Recv(client, buffer, ProxyHeaderParser.MaxLength, Libc.MSG_PEEK | Libc.MSG_DONTWAIT);
        if (peeked < 0)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            return errno is Errno.EAGAIN or Errno.EINTR
                ? ProxyHeaderStatus.Incomplete
                : Refuse($"reading it failed: {SyscallException.DescribeErrno((int)errno)}");
        }

        var received = new ReadOnlySpan<byte>(buffer, (int)peeked);
        var status = ProxyHeaderParser.TryParse(received, out var header, out int length, out string problem);
        if (status == ProxyHeaderStatus.Incomplete)
        {
            return peeked == 0 ? Refuse("the client closed the connection before sending one")
                : peerHasClosed ? Refuse($"the client closed the connection after {peeked} byte(s) of it")
                : ProxyHeaderStatus.Incomplete;
        }

        if (status == ProxyHeaderStatus.Invalid)
        {
            return Refuse(problem);
        }

        // The same bytes again, consumed this time; the peek showed they are all there.
        nint consumed = Libc.Recv(client, buffer, (nuint)length, Libc.MSG_DONTWAIT);
        if (consumed != length)
        {
            return Refuse($"reading its {length} bytes returned {(consumed < 0 ? SyscallException.DescribeErrno(Marshal.GetLastPInvokeError()) : consumed.ToString(CultureInfo.InvariantCulture))}");
        }

        _header = header;
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>What the header said, for the debug line about <paramref name="proxy"/>, the socket's peer.</summary>
    public string Describe(string proxy) => _header.HasAddresses
        ? $"{proxy}: PROXY v{_header.Version} {_header.Kind} header: client {TcpAddress.Format(_header.Source)}, connected to {TcpAddress.Format(_header.Destination)}"
        : $"{proxy}: PROXY v{_header.Version} {_header.Kind} header: no client address; the connection's own endpoints stand";

    private ProxyHeaderStatus Refuse(string why)
    {
        Problem = why;
        return ProxyHeaderStatus.Invalid;
    }
}
