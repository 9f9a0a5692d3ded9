using NetnsTcpBridge.Endpoints;

namespace NetnsTcpBridge.Relay;

/// <summary>What the connections of one event loop share: settings, the loop, its pipes.</summary>
internal sealed class RelayContext
{
    public RelayContext(RelayOptions options, EventLoop loop, RelayEngine engine)
    {
        Options = options;
        Loop = loop;
        Engine = engine;
        Pipes = new PipePool(options.PipeSize);
        Targets = options.Target is null ? [] : [options.Target, .. options.AlternateTargets];
        TargetName = options.Target is null ? "the pre-connected socket" : string.Join(" or ", Targets.Select(TcpAddress.Format));
        IdleTimeoutTicks = options.IdleTimeout is { } idle ? Math.Max(1, (long)idle.TotalMilliseconds) : 0;
    }

    public RelayOptions Options { get; }

    public EventLoop Loop { get; }

    public RelayEngine Engine { get; }

    public PipePool Pipes { get; }

    public string TargetName { get; }

    /// <summary>--idle-timeout in milliseconds (Environment.TickCount64 units); 0 when off.</summary>
    public long IdleTimeoutTicks { get; }

    /// <summary>The addresses to try, in order, for every client.</summary>
    public IReadOnlyList<System.Net.EndPoint> Targets { get; }

    public void OnClosed()
    {
        Engine.OnConnectionClosed();
        Loop.OnConnectionClosed();
    }
}
