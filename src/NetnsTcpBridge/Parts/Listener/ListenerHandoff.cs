using System.Globalization;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
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
        var text = new KeyValueWriter()
            .Add("log-level", (int)LogLevel)
            .Add("log-format", Words.LogFormat.Word(LogFormat))
            .AddFlag("log-timestamps", LogTimestamps)
            .AddFlag("one-shot", OneShot)
            .Add("status", ServiceStatus.ReplaceLineEndings(" "));
        if (DrainTimeout != Timeout.InfiniteTimeSpan)
        {
            text.AddMilliseconds("drain-ms", DrainTimeout);
        }

        if (MetricsFd >= 0)
        {
            text.Add("metrics-fd", MetricsFd);
        }

        if (NotifyFd >= 0)
        {
            text.Add("notify-fd", NotifyFd);
        }

        foreach (var connector in Connectors)
        {
            text.Add("connector", $"{connector.Pid},{connector.ChannelFd},{connector.StatisticsFd}");
        }

        foreach (var (pidfd, owner) in Owners)
        {
            text.Add("owner", $"{pidfd},{owner.Pid},{owner.Role}");
        }

        foreach (var file in SocketFiles)
        {
            text.Add("socket-file", file.Format());
        }

        return text.ToString();
    }

    public static ListenerHandoff Parse(string text)
    {
        var values = new KeyValueReader(text, "listener hand-off");
        var handoff = new ListenerHandoff
        {
            LogLevel = (LogLevel)values.TakeInt("log-level"),
            LogFormat = values.TakeWord("log-format", Words.LogFormat, LogFormat.Text),
            LogTimestamps = values.TakeFlag("log-timestamps"),
            OneShot = values.TakeFlag("one-shot"),
            ServiceStatus = values.TakeOptional("status") ?? string.Empty,
            DrainTimeout = values.TakeOptionalMilliseconds("drain-ms") ?? Timeout.InfiniteTimeSpan,
            MetricsFd = (int?)values.TakeOptionalNumber("metrics-fd") ?? -1,
            NotifyFd = (int?)values.TakeOptionalNumber("notify-fd") ?? -1,
            Connectors = [.. values.TakeAll("connector").Select(value => Fields(value, 3)).Select(fields => new ConnectorHandle(Number(fields[0]), Number(fields[1]), Number(fields[2])))],
            Owners = [.. values.TakeAll("owner").Select(value => Fields(value, 3)).Select(fields => (Number(fields[0]), new NamespaceOwner(Number(fields[1]), fields[2])))],
            SocketFiles = [.. values.TakeAll("socket-file").Select(CreatedSocketFile.Parse)],
        };
        values.EnsureEmpty();
        return handoff;
    }

    private static string[] Fields(string value, int count) =>
        value.Split(',', count) is { } fields && fields.Length == count
            ? fields
            : throw new InvalidDataException($"listener hand-off: malformed value '{value}'");

    private static int Number(string value) => int.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
