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
        TargetName = options.Target is null ? "the pre-connected socket" : TcpAddress.Format(options.Target);
    }

    public RelayOptions Options { get; }

    public EventLoop Loop { get; }

    public RelayEngine Engine { get; }

    public PipePool Pipes { get; }

    public string TargetName { get; }

    public void OnClosed()
    {
        Engine.OnConnectionClosed();
        Loop.OnConnectionClosed();
    }
}
