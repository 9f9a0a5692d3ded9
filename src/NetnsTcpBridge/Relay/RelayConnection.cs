using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// One client and its server connection, owned by one event loop from start to end.
/// </summary>
/// <remarks>
/// States: [ReadingProxyHeader (with --accept-proxy: only the header is read from the client, by a
/// <see cref="ProxyHeaderReader"/>)] → Connecting (non-blocking connect in flight, the client is
/// not read yet) → [SendingProxyHeader (with --proxy-protocol, should the
/// <see cref="ProxyHeaderSender"/>'s header not go out at once)] → Relaying (two
/// <see cref="Direction"/>s) → closed. Endings, chosen so that each peer observes what it would
/// observe on a direct connection:
/// - both directions passed on their FIN: close both sockets normally;
/// - a direction failed (a reset, a broken pipe): the side still alive gets a reset (SO_LINGER
///   {1, 0} and close) once the bytes already written to it have left, bounded in time;
/// - the connect failed or timed out: the client gets a reset, never an empty clean close;
/// - no byte moved for --idle-timeout, the client's address is over its limit, or it may not
///   send a PROXY header (--accept-proxy-from): reset.
/// Each ending is recorded with its <see cref="CloseReason"/> (RelayConnection.Close.cs).
/// </remarks>
internal sealed partial class RelayConnection
{
    /// <summary>Events after which the socket may have something to read: data, urgent data, FIN, error.</summary>
    private const uint InputEvents = Libc.EPOLLIN | Libc.EPOLLPRI | Libc.EPOLLRDHUP | Libc.EPOLLERR | Libc.EPOLLHUP;

    private readonly RelayContext _context;
    private RelayRoute _route;
    private bool _clientPrepared;
    private bool _serverHandedOver;
    private Direction? _upload;
    private Direction? _download;
    private int _survivorToReset = -1;

    /// <summary>
    /// Every event of the client taken before relaying began (while reading a PROXY header,
    /// connecting or sending one): edge-triggered, they will not come again, so the relay's first
    /// read must know what they showed (urgent data, the end, or plain input).
    /// </summary>
    private uint _clientEventsBeforeRelaying;
    private long _startTicks;
    private string? _clientName;

    public RelayConnection(HandedOverClient client, RelayContext context)
    {
        _context = context;
        Take(client);
    }

    /// <summary>The per-client part of construction, also for a connection object used again (see <see cref="Reuse"/>).</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_route))]
    private void Take(HandedOverClient client)
    {
        Client = client.Client;
        Server = client.Server;
        _serverHandedOver = client.Server >= 0;
        _clientPrepared = client.Prepared;
        _route = _context.Routes[client.Route]; // checked by the loop before adopting

        // See Direction: urgent bytes stay in the stream, so that neither a read nor a later
        // urgent byte can lose them. From the first moment: a client may send them while the
        // target is still being connected to. A client accepted on our listening socket has it
        // already (ListeningSocket.PrepareForAccepting).
        if (!_clientPrepared)
        {
            ServerConnector.KeepUrgentDataInline(Client);
        }

        if (_serverHandedOver)
        {
            ServerConnector.KeepUrgentDataInline(Server);
        }
    }

    public int Client { get; private set; }

    /// <summary>The server socket: pre-connected, or created by the event loop when it starts connecting.</summary>
    public int Server { get; private set; }

    /// <summary>The client's address, looked up only when a message needs it.</summary>
    public string ClientName => _clientName ??= SocketNames.Peer(Client);

    /// <summary>The client as named in messages: with its rule's name when rules are named.</summary>
    public string LogName => _route.LogPrefix + ClientName;

    public RelayPhase Phase { get; private set; } = RelayPhase.New;

    /// <summary>Environment.TickCount64 by which the connect or the reset drain must be over.</summary>
    public long DeadlineTicks { get; private set; }

    /// <summary>Slot and generation in the owning loop's table, encoded into epoll tokens.</summary>
    public int Slot { get; set; }

    public uint Generation { get; set; }

    public bool IsClosed => Phase == RelayPhase.Closed;

    /// <summary>
    /// True when a socket of this connection may have another descriptor open in some other
    /// process (an inherited -S or -C socket). epoll forgets a socket only when its last
    /// descriptor closes, so those must be removed from epoll explicitly before closing.
    /// </summary>
    public bool MayBeShared => !_clientPrepared || _serverHandedOver;

    /// <summary>Starts connecting, or relaying at once when the server socket was handed over.</summary>
    public void Start(EventLoop loop)
    {
        _startTicks = Environment.TickCount64;
        if (Log.IsEnabled(LogLevel.Debug))
        {
            // Looked up while the socket is surely open, for the messages that follow.
            _ = ClientName;
        }

        // Behind a front proxy the client's address is known only once its PROXY header is read;
        // the proxy itself, the socket's peer, is checked now, before a byte of it is read. Until
        // the header names another, a peer that is not a named proxy counts under its own
        // address: otherwise connections that never send a header would escape the limit.
        if (!(_route.AcceptProxyHeader
                ? AdmitAsProxy() && (_route.AcceptProxyFrom is not null || AdmitBySource())
                : AdmitBySource()))
        {
            return;
        }

        if (!_clientPrepared || _context.Options.KeepAlive is not null)
        {
            ServerConnector.ConfigureHandedOverSocket(Client, _context.Options);
        }

        loop.Watch(this, Client, isServer: false);
        if (Server >= 0)
        {
            ServerConnector.ConfigureHandedOverSocket(Server, _context.Options);
            loop.Watch(this, Server, isServer: true);
        }

        if (_route.AcceptProxyHeader)
        {
            BeginReadingProxyHeader(loop);
        }
        else
        {
            ConnectOrRelay(loop);
        }
    }

    private void ConnectOrRelay(EventLoop loop)
    {
        if (Server >= 0)
        {
            BeginRelaying(serverHasInput: true);
        }
        else
        {
            BeginConnect(loop);
        }
    }

    /// <summary>Handles readiness reported by epoll for one of the two sockets.</summary>
    public void OnEvents(bool isServer, uint events)
    {
        switch (Phase)
        {
            case RelayPhase.ReadingProxyHeader when !isServer:
                OnProxyHeaderInput(events);
                break;
            case RelayPhase.SendingProxyHeader when isServer:
                if (SendProxyHeader())
                {
                    BeginRelaying(serverHasInput: true);
                }

                break;
            case RelayPhase.Connecting when isServer:
                // Writable without an error or a hang-up is a completed connect (a socket still
                // in SYN_SENT reports nothing); only otherwise is the outcome asked for.
                int error = (events & (Libc.EPOLLOUT | Libc.EPOLLERR | Libc.EPOLLHUP)) == Libc.EPOLLOUT
                    ? 0
                    : ServerConnector.PendingError(Server);
                if (error == 0)
                {
                    BeginRelaying(serverHasInput: (events & InputEvents) != 0);
                }
                else if (error != (int)Errno.EINPROGRESS)
                {
                    ConnectFailed(error);
                }

                break;
            case RelayPhase.Connecting or RelayPhase.SendingProxyHeader when (events & Libc.EPOLLERR) != 0 && !isServer && ServerConnector.UnreadBytes(Client) > 0:
                // The client reset while we were still connecting, after sending bytes: the target
                // gets them, then the reset, as on a direct connection. The relay reads them
                // first thing once connected, and the reset after them.
                _clientEventsBeforeRelaying |= events;
                break;
            case RelayPhase.Connecting or RelayPhase.SendingProxyHeader when (events & Libc.EPOLLERR) != 0:
                // The client reset while we were still connecting, having sent nothing: nobody is left to serve.
                End(CloseReason.ResetByClient, "went away while connecting");
                Close(reset: true);
                break;
            case RelayPhase.Connecting or RelayPhase.SendingProxyHeader when !isServer:
                // Edge-triggered: remember urgent data announced now, or splice would later stop
                // at the mark and wait for an EPOLLPRI that has already come and gone.
                _clientEventsBeforeRelaying |= events;
                break;
            case RelayPhase.Relaying:
                Relay(isServer, events);
                break;
            case RelayPhase.Resetting when isServer == (_survivorToReset == Server):
                FinishResetWhenDrained();
                break;
        }
    }

    /// <summary>Called by the loop when <see cref="DeadlineTicks"/> has passed.</summary>
    public void OnDeadline()
    {
        if (Phase == RelayPhase.Connecting)
        {
            ConnectFailed(errno: null);
        }
        else if (Phase == RelayPhase.Resetting)
        {
            ResetSurvivor();
        }
        else if (Phase == RelayPhase.ReadingProxyHeader)
        {
            RejectProxyHeader(_proxyHeaderReader!.DescribeTimeout());
        }
    }

    /// <summary>
    /// Resets both sides at once: the bridge is stopping, or this connection hit an internal
    /// fault. A connection already being reset for its own reason keeps that reason.
    /// </summary>
    public void Abort(CloseReason reason)
    {
        if (IsClosed)
        {
            return;
        }

        if (Phase != RelayPhase.Resetting)
        {
            End(reason, null);
        }

        Close(reset: true);
    }

    // The client may have sent before the connect completed, and its edge-triggered events were
    // not acted on then, so its direction is pumped at once. The server's direction only when the
    // event that reported the connect also reported input: any later input brings its own event.
    private void BeginRelaying(bool serverHasInput)
    {
        if (_route.SendProxyHeader != ProxyProtocol.ProxyProtocolVersion.None && !SendProxyHeader())
        {
            return; // waiting for room to write the rest of it, or failed
        }

        Phase = RelayPhase.Relaying;

        _upload = NewDirection(ref _spareUpload, Client, Server);
        _download = NewDirection(ref _spareDownload, Server, Client);
        StartIdleTracking();
        if ((_clientEventsBeforeRelaying & Libc.EPOLLPRI) != 0)
        {
            _upload.AnnounceUrgent();
        }

        Log.Debug($"{_route.LogPrefix}{ClientName}: relaying");
        _upload.Pump(SourceReports.Of(_clientEventsBeforeRelaying));
        if (serverHasInput && _upload.State != DirectionState.Failed)
        {
            _download.Pump();
        }

        NoteActivity();
        CheckEnd();
    }

    private void Relay(bool isServer, uint events)
    {
        var reading = isServer ? _download! : _upload!;
        var writing = isServer ? _upload! : _download!;
        if ((events & Libc.EPOLLPRI) != 0)
        {
            reading.AnnounceUrgent();
        }

        if ((events & InputEvents) != 0)
        {
            reading.Pump(SourceReports.Of(events));
        }

        // Once a direction has failed, the other runs only to salvage what the dead side had sent
        // (see CheckEnd): a failed write has consumed the socket's pending error (sock_error), so
        // a read on it returns a plain end of stream, which must not become a FIN.
        // Edge-triggered events report EPOLLOUT with every change of a writable socket: it matters
        // only to a direction with bytes waiting to be written. One that waits for input would
        // only find its source empty again, a wasted splice on nearly every event.
        bool writable = (events & Libc.EPOLLOUT) != 0 && (writing.HasOutputWaiting || writing.IsSalvaging);
        bool broken = (events & (Libc.EPOLLERR | Libc.EPOLLHUP)) != 0;
        if ((reading.State != DirectionState.Failed || writing.IsSalvaging) && (writable || broken))
        {
            writing.Pump();
        }

        NoteActivity();
        CheckEnd();
    }

    private void CheckEnd()
    {
        var upload = _upload!;
        var download = _download!;
        if (upload.State == DirectionState.Done && download.State == DirectionState.Done)
        {
            End(CloseReason.FinBothWays, null);
            Close(reset: false);
        }
        else if (upload.State == DirectionState.Failed || download.State == DirectionState.Failed)
        {
            // The side whose socket failed is gone; the other one gets the reset.
            var failed = upload.State == DirectionState.Failed ? upload : download;
            int dead = failed.Ending == DirectionEnding.ReadFailed ? failed.From : failed.To;
            var fromDead = failed == upload ? download : upload;
            if (failed.Ending == DirectionEnding.WriteFailed && fromDead.State == DirectionState.Open)
            {
                // Found dead by writing to it: what it sent before its reset may still wait unread
                // in its socket. The survivor gets those bytes first, as on a direct connection.
                fromDead.SalvageBeforeReset();
                fromDead.Pump();
                if (fromDead.State == DirectionState.Open)
                {
                    return; // more to read from the dead side, or to write to the survivor
                }
            }

            End(dead == Client ? CloseReason.ResetByClient : CloseReason.ResetByServer, failed.Error);
            BeginReset(survivor: dead == Client ? Server : Client);
        }
    }
}

/// <summary>The life of a <see cref="RelayConnection"/>.</summary>
internal enum RelayPhase
{
    New,
    ReadingProxyHeader,
    Connecting,
    SendingProxyHeader,
    Relaying,
    Resetting,
    Closed,
}
