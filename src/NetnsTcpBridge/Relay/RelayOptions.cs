using System.Net;
using NetnsTcpBridge.ProxyProtocol;

namespace NetnsTcpBridge.Relay;

/// <summary>How bytes are moved from one socket to the other.</summary>
public enum CopyMethod
{
    /// <summary>splice(2) through a pipe: the bytes never enter user space. The default.</summary>
    Splice,

    /// <summary>recv/send through a buffer rented while data flows: the fallback, and for comparison.</summary>
    Buffered,
}

/// <summary>TCP keepalive probing on both legs: first probe after <see cref="Idle"/>, then every <see cref="Interval"/>.</summary>
public sealed record KeepAliveSettings(TimeSpan Idle, TimeSpan Interval, int Probes);

/// <summary>Settings of the relay engine in the connector part.</summary>
public sealed record RelayOptions
{
    /// <summary>
    /// Where clients go, by route number: one route per forwarding rule this connector serves
    /// (a single forward has route 0 only). A route without targets hands its one client to the
    /// pre-connected socket (<c>-C</c>).
    /// </summary>
    public IReadOnlyList<RelayRoute> Routes { get; init => field = ValueList.Of(value); } = ValueList.Of<RelayRoute>([]);

    /// <summary>A UDP flow with no datagram either way for this long ends (--udp-idle-timeout).</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = DefaultUdpIdleTimeout;

    public static readonly TimeSpan DefaultUdpIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// UDP flows open at once in this connector (--max-udp-flows); past it, datagrams from new
    /// client addresses are dropped. Each flow holds one socket: 4096 stays well inside the
    /// descriptor limit and is far more than the clients of a sandbox make.
    /// </summary>
    public int MaxUdpFlows { get; init; } = DefaultMaxUdpFlows;

    public const int DefaultMaxUdpFlows = 4096;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public CopyMethod CopyMethod { get; init; } = CopyMethod.Splice;

    /// <summary>Event loops, each on its own thread; the default is one per core.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Pipe capacity in bytes for the splice method; 0 keeps the kernel's default (64 KiB). The
    /// default, 1 MiB (also the kernel's default ceiling for unprivileged users), moves a bulk
    /// stream in fewer, larger splices: measured here, ~20% more throughput and ~35% less CPU per
    /// byte than 64 KiB. Only pipes with bytes in flight hold memory.
    /// </summary>
    public int PipeSize { get; init; } = DefaultPipeSize;

    public const int DefaultPipeSize = 1024 * 1024;

    /// <summary>
    /// Pipe capacity, in bytes, that the connector's splice pipes may hold at once (see
    /// <see cref="PipeBudget"/>); past it, directions get one-page pipes. 64 MiB by default:
    /// 64 transfers at full speed with 1 MiB pipes, and the kernel's own default share for
    /// pipes of an unprivileged user (/proc/sys/fs/pipe-user-pages-soft).
    /// </summary>
    public long PipeMemoryBudget { get; init; } = DefaultPipeMemoryBudget;

    public const long DefaultPipeMemoryBudget = 64L * 1024 * 1024;

    public KeepAliveSettings? KeepAlive { get; init; }

    /// <summary>
    /// Connections relayed at once; past it the loops stop taking clients, which then wait in the
    /// channel and the listen queue (back-pressure, not refusal: once the kernel's queue is full
    /// too, new SYNs are dropped and retried by the clients). The connector also caps it by its
    /// descriptor limit.
    /// </summary>
    public int MaxConnections { get; init; } = int.MaxValue;

    /// <summary>
    /// Connections open at once from one source (a client IP address, or a prefix of them: see
    /// <see cref="SourcePrefixes"/>); past it a new client from that source is reset at once. Null: no limit (and no per-client address lookup). Clients on a
    /// UNIX socket are never limited.
    /// </summary>
    public int? MaxConnectionsPerSource { get; init; }

    /// <summary>What <see cref="MaxConnectionsPerSource"/> counts as one source: address prefixes, 127.0.0.0/8 as one.</summary>
    public SourcePrefixes SourcePrefixes { get; init; } = SourcePrefixes.Default;

    /// <summary>A connection on which no byte moved either way for this long is reset on both sides. Null: no limit.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>
    /// For every route that sends a PROXY header: the source address announced for a client whose
    /// own is a loopback address of the same family (127.x, ::1), which targets often trust
    /// (Postfix mynetworks, nginx allow 127.0.0.1); null announces the client's own.
    /// </summary>
    public System.Net.IPAddress? ProxyLoopbackSource { get; init; }

    /// <summary>For every route that accepts a PROXY header: how long a client may take to send the whole header.</summary>
    public TimeSpan ProxyHeaderTimeout { get; init; } = DefaultProxyHeaderTimeout;

    public static readonly TimeSpan DefaultProxyHeaderTimeout = TimeSpan.FromSeconds(5);
}
