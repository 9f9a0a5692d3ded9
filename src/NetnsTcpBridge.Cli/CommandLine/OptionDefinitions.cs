namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>One command-line option: its spellings, whether it takes a value, and its help line.</summary>
internal sealed record OptionDefinition(char? Short, string Long, string? ValueName, string Help)
{
    public bool TakesValue => ValueName is not null;

    /// <summary>Both spellings for messages, e.g. "-l/--listen".</summary>
    public string Spellings => Short is null ? $"--{Long}" : $"-{Short}/--{Long}";
}

/// <summary>Every option the program knows. The first ten are the original tool's, with its spellings.</summary>
internal static class OptionDefinitions
{
    public static readonly OptionDefinition Listen = new('l', "listen", "ADDR", "Address to listen on: 127.0.0.1:1234, [::1]:1234, unix:/path or unix:@abstract; udp:127.0.0.53:53 or udp:[::1]:53 for UDP");
    public static readonly OptionDefinition ListenFd = new('L', "listen-fd", "FD", "Inherited file descriptor of a listening socket to accept on");
    public static readonly OptionDefinition PreacceptedFd = new('S', "preaccepted-fd", "FD", "Inherited connected client socket: forward just it, then exit");
    public static readonly OptionDefinition Connect = new('c', "connect", "ADDR", "Address to forward clients to: IP:PORT, HOST:PORT (resolved in the connect netns), unix:/path or unix:@abstract; udp:IP:PORT or udp:HOST:PORT with a udp: listen address");
    public static readonly OptionDefinition ConnectFd = new('C', "connect-fd", "FD", "Inherited pre-connected socket: forward one client to it, then exit");
    public static readonly OptionDefinition ListenNetnsFile = new('f', "listen-netns-file", "PATH", "Network namespace file to listen in, e.g. /proc/PID/ns/net or /run/netns/NAME");
    public static readonly OptionDefinition ListenNetnsFd = new('F', "listen-netns-fd", "FD", "Inherited file descriptor of the network namespace to listen in");
    public static readonly OptionDefinition ConnectNetnsFile = new('t', "connect-netns-file", "PATH", "Network namespace file to connect from");
    public static readonly OptionDefinition ConnectNetnsFd = new('T', "connect-netns-fd", "FD", "Inherited file descriptor of the network namespace to connect from");
    public static readonly OptionDefinition ListenNetns = new(null, "listen-netns", "NETNS", "Netns to listen in: an `ip netns` NAME, pid:PID[@STARTTIME], or a PATH (with a /); add =net:[INODE] to accept only that namespace");
    public static readonly OptionDefinition ConnectNetns = new(null, "connect-netns", "NETNS", "Netns to connect from: an `ip netns` NAME, pid:PID[@STARTTIME], or a PATH (with a /); add =net:[INODE] to accept only that namespace");
    public static readonly OptionDefinition ConnectTimeout = new(null, "connect-timeout", "SECONDS", "Give up connecting to the target after this long and reset the client (default 10)");
    public static readonly OptionDefinition MaxConnections = new(null, "max-connections", "N", "Relay at most N connections at once; more clients wait in the listen queue (default: as descriptors allow)");
    public static readonly OptionDefinition MaxConnectionsPerSource = new(null, "max-connections-per-source", "N", "At most N open connections per client source (an IPv4 address, an IPv6 /64, all of 127.0.0.0/8: see --source-prefix); past it a new one is reset at once (default: no limit)");
    public static readonly OptionDefinition SourcePrefix = new(null, "source-prefix", "V4LEN[,V6LEN]", "What --max-connections-per-source counts as one source: clients in one IPv4 /V4LEN or IPv6 /V6LEN (default 32,64; 127.0.0.0/8 is always one)");
    public static readonly OptionDefinition IdleTimeout = new(null, "idle-timeout", "SECONDS", "Reset both sides of a connection on which no byte moved for this long (default: never)");
    public static readonly OptionDefinition UdpIdleTimeout = new(null, "udp-idle-timeout", "SECONDS", "UDP: end a flow (a client address and its socket to the target) after this long without a datagram either way (default 60)");
    public static readonly OptionDefinition MaxUdpFlows = new(null, "max-udp-flows", "N", "UDP: at most N flows at once per connect netns; past it, datagrams from new client addresses are dropped and counted (default 4096)");
    public static readonly OptionDefinition Backlog = new(null, "backlog", "N", "Listen queue length for -l, 1 to 65535 (default 4096, capped by net.core.somaxconn)");
    public static readonly OptionDefinition ProxyProtocol = new(null, "proxy-protocol", "VERSION", "Send the target a PROXY protocol header, v1 or v2, with the client's address before any client byte");
    public static readonly OptionDefinition AcceptProxy = new(null, "accept-proxy", null, "Clients come from a trusted proxy: read its PROXY v1/v2 header first and take the client address from it (from any peer, unless --accept-proxy-from)");
    public static readonly OptionDefinition AcceptProxyFrom = new(null, "accept-proxy-from", "CIDR[,CIDR...]", "With --accept-proxy: read a header only from peers in these prefixes and reset any other client at once (without it every peer is trusted)");
    public static readonly OptionDefinition ProxyProtocolLoopbackAs = new(null, "proxy-protocol-loopback-as", "IP", "With --proxy-protocol: announce IP instead of a loopback client's own address (127.x or ::1), which targets often trust (default: the client's)");
    public static readonly OptionDefinition AcceptProxyTimeout = new(null, "accept-proxy-timeout", "SECONDS", "With --accept-proxy: reset a client whose header is not complete after this long (default 5)");
    public static readonly OptionDefinition Copy = new(null, "copy", "METHOD", "How bytes are moved: splice (zero-copy, default) or buffered (recv/send)");
    public static readonly OptionDefinition Threads = new(null, "threads", "N", "Relay event loops (threads); default: one per core");
    public static readonly OptionDefinition PipeSize = new(null, "pipe-size", "BYTES", "Pipe capacity for splice (default 1048576, 1 MiB)");
    public static readonly OptionDefinition PipeMemoryBudget = new(null, "pipe-memory-budget", "SIZE", "Kernel memory all splice pipes may hold at once, e.g. 64M (default); past it, pipes of one page");
    public static readonly OptionDefinition DrainTimeout = new(null, "drain-timeout", "SECONDS", "On SIGTERM/SIGINT, let open connections finish this long, then reset them (default 30)");
    public static readonly OptionDefinition KeepAlive = new(null, "keepalive", "SECONDS", "Enable TCP keepalive on both legs: first probe after SECONDS idle");
    public static readonly OptionDefinition UnixMode = new(null, "unix-mode", "OCTAL", "File mode of a listening unix:/path socket, e.g. 660 (default: from the umask)");
    public static readonly OptionDefinition UnixOwner = new(null, "unix-owner", "USER[:GROUP]", "Owner of a listening unix:/path socket: USER, USER:GROUP or :GROUP, as chown(1) takes them");
    public static readonly OptionDefinition User = new(null, "user", "USER[:GROUP]", "Once netns entered and sockets bound, every part runs as USER (and GROUP, else USER's group), without capabilities");
    public static readonly OptionDefinition MetricsAddress = new(null, "metrics", "ADDR", "Serve the counters in OpenMetrics text at http://ADDR/metrics (ADDR: IP:PORT)");
    public static readonly OptionDefinition MetricsNetns = new(null, "metrics-netns", "SIDE", "Netns the metrics endpoint listens in: start (default: where the bridge was started), listen or connect (of the first rule)");
    public static readonly OptionDefinition ExitWithNetnsOwner = new(null, "exit-with-netns-owner", null, "Stop as on SIGTERM when the process of a netns named by pid:PID or /proc/PID/ns/net exits");
    public static readonly OptionDefinition Rule = new(null, "rule", "RULE", "A forward of its own, repeatable: name=NAME,listen=ADDR,connect=ADDR[,listen-netns=NETNS][,connect-netns=NETNS][,unix-mode=OCTAL][,unix-owner=USER:GROUP][,dual-stack=yes|no][,proxy-protocol=v1|v2|none][,accept-proxy=yes|no][,accept-proxy-from=CIDR[ CIDR...]]");
    public static readonly OptionDefinition Config = new(null, "config", "FILE", "Read forwards from FILE: a [name] section per rule with the keys of --rule, one 'key = value' per line");
    public static readonly OptionDefinition DualStack = new(null, "dual-stack", "yes|no", "Whether a [::] listener also takes IPv4 clients (default: the kernel's net.ipv6.bindv6only, usually yes)");
    public static readonly OptionDefinition Quiet = new('q', "quiet", null, "Print errors only (no notices, no warnings)");
    public static readonly OptionDefinition Verbose = new('v', "verbose", null, "Log one line per connection when it closes (off by default: it costs a line per connection), and stack traces on internal errors");
    public static readonly OptionDefinition LogFormatOption = new(null, "log-format", "FORMAT", "Log lines on stderr as text (default) or json (one object per line)");
    public static readonly OptionDefinition HelpFlag = new('h', "help", null, "Show this help and exit");
    public static readonly OptionDefinition VersionFlag = new(null, "version", null, "Show the version and exit");

    public static readonly IReadOnlyList<OptionDefinition> All =
    [
        Listen, ListenFd, PreacceptedFd, Connect, ConnectFd,
        ListenNetnsFile, ListenNetnsFd, ConnectNetnsFile, ConnectNetnsFd, ListenNetns, ConnectNetns,
        Rule, Config,
        ConnectTimeout, IdleTimeout, DrainTimeout, KeepAlive, MaxConnections, MaxConnectionsPerSource, SourcePrefix, Backlog, ProxyProtocol, ProxyProtocolLoopbackAs, AcceptProxy, AcceptProxyFrom, AcceptProxyTimeout,
        UdpIdleTimeout, MaxUdpFlows,
        Copy, Threads, PipeSize, PipeMemoryBudget, UnixMode, DualStack, UnixOwner, User, MetricsAddress, MetricsNetns, ExitWithNetnsOwner,
        Quiet, Verbose, LogFormatOption, HelpFlag, VersionFlag,
    ];
}
