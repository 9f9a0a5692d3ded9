using System.Globalization;
using System.Text;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>A connector as the serving listener sees it: its PID, and our ends of its channel and statistics link (-1: none).</summary>
internal sealed record ConnectorHandle(int Pid, int ChannelFd, int StatisticsFd);

/// <summary>
/// What the listener's set-up image tells the image it replaces itself with (see
/// <see cref="ListenerImage"/>): descriptors it keeps by number, and the few settings the serving
/// listener still needs. Sent as <c>key=value</c> lines through an inherited pipe named by
/// <see cref="Variable"/>; the command line is not parsed again.
/// </summary>
internal sealed record ListenerHandoff
{
    /// <summary>The environment variable naming the pipe: its presence makes the executable the serving listener.</summary>
    public const string Variable = "NETNS_TCP_BRIDGE_LISTENER_HANDOFF";

    public LogLevel LogLevel { get; init; } = LogLevel.Info;

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    public bool LogTimestamps { get; init; }

    public TimeSpan DrainTimeout { get; init; }

    /// <summary>The connectors end by themselves after the one client.</summary>
    public bool OneShot { get; init; }

    public IReadOnlyList<ConnectorHandle> Connectors { get; init; } = [];

    /// <summary>The metrics endpoint's listening socket, or -1.</summary>
    public int MetricsFd { get; init; } = -1;

    /// <summary>A datagram socket connected to NOTIFY_SOCKET (made where the bridge started: an abstract name is per namespace), or -1.</summary>
    public int NotifyFd { get; init; } = -1;

    /// <summary>For the service manager's status line.</summary>
    public string ServiceStatus { get; init; } = string.Empty;

    /// <summary>--exit-with-netns-owner: each watched process's pidfd, with the process it was opened on.</summary>
    public IReadOnlyList<(int Pidfd, NamespaceOwner Owner)> Owners { get; init; } = [];

    /// <summary>UNIX socket files this bridge created, each with its directory's descriptor, removed when it exits.</summary>
    public IReadOnlyList<CreatedSocketFile> SocketFiles { get; init; } = [];

    /// <summary>Every descriptor named above: these, and no others, survive the image change.</summary>
    public IEnumerable<int> Descriptors =>
        Connectors.SelectMany(connector => (int[])[connector.ChannelFd, connector.StatisticsFd])
            .Concat([MetricsFd, NotifyFd])
            .Concat(Owners.Select(owner => owner.Pidfd))
            .Concat(SocketFiles.Select(file => file.DirectoryFd))
            .Where(fd => fd >= 0);

    public string Format()
    {
        var text = new StringBuilder();
        void Line(string key, object value) => text.Append(CultureInfo.InvariantCulture, $"{key}={value}\n");
        Line("log-level", (int)LogLevel);
        Line("log-format", LogFormat == LogFormat.Json ? "json" : "text");
        Line("log-timestamps", LogTimestamps ? 1 : 0);
        Line("drain-ms", (long)DrainTimeout.TotalMilliseconds);
        Line("one-shot", OneShot ? 1 : 0);
        foreach (var connector in Connectors)
        {
            Line("connector", $"{connector.Pid},{connector.ChannelFd},{connector.StatisticsFd}");
        }

        Line("metrics-fd", MetricsFd);
        Line("notify-fd", NotifyFd);
        Line("status", ServiceStatus.ReplaceLineEndings(" "));
        foreach (var (pidfd, owner) in Owners)
        {
            Line("owner", $"{pidfd},{owner.Pid},{owner.Role}");
        }

        foreach (var file in SocketFiles)
        {
            Line("socket-file", file.Format());
        }

        return text.ToString();
    }

    public static ListenerHandoff Parse(string text)
    {
        var handoff = new ListenerHandoff();
        var connectors = new List<ConnectorHandle>();
        var owners = new List<(int, NamespaceOwner)>();
        var files = new List<CreatedSocketFile>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new InvalidDataException($"listener hand-off: malformed line '{line}'");
            }

            string value = line[(equals + 1)..];
            string[] fields = value.Split(',', 3);
            handoff = line[..equals] switch
            {
                "log-level" => handoff with { LogLevel = (LogLevel)Number(value) },
                "log-format" => handoff with { LogFormat = value == "json" ? LogFormat.Json : LogFormat.Text },
                "log-timestamps" => handoff with { LogTimestamps = value == "1" },
                "drain-ms" => handoff with { DrainTimeout = TimeSpan.FromMilliseconds(long.Parse(value, CultureInfo.InvariantCulture)) },
                "one-shot" => handoff with { OneShot = value == "1" },
                "metrics-fd" => handoff with { MetricsFd = Number(value) },
                "notify-fd" => handoff with { NotifyFd = Number(value) },
                "status" => handoff with { ServiceStatus = value },
                "connector" => Add(connectors, new ConnectorHandle(Number(fields[0]), Number(fields[1]), Number(fields[2]))),
                "owner" => Add(owners, (Number(fields[0]), new NamespaceOwner(Number(fields[1]), fields[2]))),
                "socket-file" => Add(files, CreatedSocketFile.Parse(value)),
                var key => throw new InvalidDataException($"listener hand-off: unknown key '{key}'"),
            };
        }

        return handoff with { Connectors = connectors, Owners = owners, SocketFiles = files };

        ListenerHandoff Add<T>(List<T> list, T item)
        {
            list.Add(item);
            return handoff;
        }
    }

    private static int Number(string value) => int.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
