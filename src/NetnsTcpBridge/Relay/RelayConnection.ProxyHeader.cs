using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.ProxyProtocol;

namespace NetnsTcpBridge.Relay;

// The PROXY protocol on both legs, as phases of the connection: reading a front proxy's header
// from the client before connecting (--accept-proxy, ProxyHeaderReader), and writing one to the
// target before any client byte (--proxy-protocol, ProxyHeaderSender).
internal sealed partial class RelayConnection
{
    /// <summary>Made for the first client whose route accepts a header, then kept for later ones (made new by Reuse).</summary>
    private ProxyHeaderReader? _proxyHeaderReader;

    /// <summary>Made for the first client whose route sends a header, then kept for later ones (made new by Reuse).</summary>
    private ProxyHeaderSender? _proxyHeaderSender;

    /// <summary>Refusals of peers outside --accept-proxy-from, for the whole connector: a client may retry in a loop.</summary>
    private static readonly WarningThrottle s_untrustedProxyWarnings = new(TimeSpan.FromSeconds(10));

    /// <summary>
    /// With --accept-proxy-from, whether the socket's peer may send a header at all; a peer
    /// outside the prefixes (or without an IP address) is reset at once (then false).
    /// </summary>
    private bool AdmitAsProxy()
    {
        if (ProxyHeaderReader.MaySend(Client, _route.AcceptProxyFrom))
        {
            return true;
        }

        End(CloseReason.RefusedUntrustedProxy, null);
        if (s_untrustedProxyWarnings.Count(out long refused))
        {
            Log.Warning($"{_route.LogPrefix}client {ClientName}: not in {SettingNames.Of(Setting.AcceptProxyFrom)} ({_route.AcceptProxyFrom}), so its PROXY header is not believed: resetting the connection ({refused} refused since the previous such warning; one every 10 s at most)");
        }

        Close(reset: true);
        return false;
    }

    private void BeginReadingProxyHeader(EventLoop loop)
    {
        var reader = _proxyHeaderReader ??= new ProxyHeaderReader(_context.Options.ProxyHeaderTimeout);
        Phase = RelayPhase.ReadingProxyHeader;
        reader.Begin(Environment.TickCount64);
        loop.TrackProxyHeaderDeadline(this, reader.DeadlineTicks);

        // The header usually came with the connection: no need to wait for an event to read it.
        ReadProxyHeader(peerHasClosed: false);
    }

    private void OnProxyHeaderInput(uint events)
    {
        // Edge-triggered: urgent data announced now would be missed by the relay later (see Connecting).
        _clientEventsBeforeRelaying |= events;
        ReadProxyHeader(peerHasClosed: (events & (Libc.EPOLLRDHUP | Libc.EPOLLHUP)) != 0);
    }

    private void ReadProxyHeader(bool peerHasClosed)
    {
        var reader = _proxyHeaderReader!;
        var status = reader.Read(Client, peerHasClosed);
        if (status == ProxyHeaderStatus.Invalid)
        {
            RejectProxyHeader(reader.Problem!);
        }

        if (status != ProxyHeaderStatus.Complete)
        {
            return;
        }

        if (Log.IsEnabled(LogLevel.Debug))
        {
            Log.Debug(_route.LogPrefix + reader.Describe(SocketNames.Peer(Client)));
        }

        if (reader.AnnouncedSource is { } announced)
        {
            // From now on the messages name the client, not the front proxy.
            _clientName = TcpAddress.Format(announced);
        }

        // Counted by the address the front proxy announced, not by the proxy's own.
        if (MoveToAnnouncedSource())
        {
            ConnectOrRelay(_context.Loop);
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

    /// <summary>
    /// Writes the outgoing header, or what is left of it. True once it is all out; false while
    /// waiting for EPOLLOUT on the server (phase SendingProxyHeader) or after a failure (closed).
    /// </summary>
    private bool SendProxyHeader()
    {
        var sender = _proxyHeaderSender ??= new ProxyHeaderSender(_context.Options.ProxyLoopbackSource);
        var status = sender.Send(Server, _route.SendProxyHeader, Client, _proxyHeaderReader?.AnnouncedSource, _proxyHeaderReader?.AnnouncedDestination);
        if (status == ProxyHeaderSendStatus.Sent)
        {
            return true;
        }

        if (status == ProxyHeaderSendStatus.Failed)
        {
            End(CloseReason.ResetByServer, sender.Problem);
            Close(reset: true);
            return false;
        }

        if (Phase != RelayPhase.SendingProxyHeader)
        {
            Log.Debug($"{_route.LogPrefix}{ClientName}: the target's socket took {sender.Length - sender.UnsentBytes} of the PROXY header's {sender.Length} bytes; the rest waits for room");
        }

        Phase = RelayPhase.SendingProxyHeader;
        return false;
    }
}
