namespace NetnsTcpBridge.Relay;

/// <summary>What the connections of one event loop share: settings, the loop, its pipes.</summary>
internal sealed class RelayContext
{
    public RelayContext(RelayOptions options, EventLoop loop, RelayEngine engine)
    {
        Options = options;
        Loop = loop;
        Engine = engine;
        Pipes = new PipePool(options.PipeSize, engine.PipeBudget);
        Routes = options.Routes;
        IdleTimeoutTicks = options.IdleTimeout is { } idle ? Math.Max(1, (long)idle.TotalMilliseconds) : 0;
    }

    public RelayOptions Options { get; }

    public EventLoop Loop { get; }

    public RelayEngine Engine { get; }

    public PipePool Pipes { get; }

    /// <summary>Where clients go, by <see cref="HandedOverClient.Route"/>.</summary>
    public IReadOnlyList<RelayRoute> Routes { get; }

    /// <summary>--idle-timeout in milliseconds (Environment.TickCount64 units); 0 when off.</summary>
    public long IdleTimeoutTicks { get; }

    public void OnClosed()
    {
        Engine.OnConnectionClosed();
        Loop.OnConnectionClosed();
    }
}
