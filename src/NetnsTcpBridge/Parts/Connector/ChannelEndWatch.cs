using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>How the listener ended the connector's work.</summary>
internal enum ChannelEnding
{
    /// <summary>End record: stop taking clients and finish the open connections (within <see cref="ChannelEndWatch.DrainTimeout"/>).</summary>
    EndReceived,

    /// <summary>The channel closed: the listener is gone.</summary>
    ListenerGone,

    /// <summary>A record made no sense.</summary>
    BadRecord,
}

/// <summary>
/// Once the connector is set up, the channel carries one more record at most: End, when the
/// bridge stops. A thread of its own waits for it (or for the channel to close, when the
/// listener is gone) and sets <see cref="Ended"/>.
/// </summary>
internal sealed class ChannelEndWatch : IDisposable
{
    private readonly HandoverChannel _channel;
    private readonly ManualResetEvent _ended = new(false);

    private ChannelEndWatch(HandoverChannel channel)
    {
        _channel = channel;
    }

    /// <summary>Set once <see cref="Ending"/> is known.</summary>
    public WaitHandle Ended => _ended;

    public ChannelEnding Ending { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>With <see cref="ChannelEnding.EndReceived"/>: how long open connections may go on.</summary>
    public TimeSpan DrainTimeout { get; private set; } = Timeout.InfiniteTimeSpan;

    public static ChannelEndWatch Start(HandoverChannel channel)
    {
        var watch = new ChannelEndWatch(channel);
        new Thread(watch.Watch) { IsBackground = true, Name = "channel end" }.Start();
        return watch;
    }

    public void Dispose() => _ended.Dispose();

    private void Watch()
    {
        try
        {
            using var record = _channel.Receive();
            switch (record?.Kind)
            {
                case null:
                    Ending = ChannelEnding.ListenerGone;
                    break;
                case HandoverMessageKind.End:
                    DrainTimeout = EndRecord.Parse(record.Text);
                    Ending = ChannelEnding.EndReceived;
                    break;
                default:
                    Ending = ChannelEnding.BadRecord;
                    Problem = $"unexpected record '{(char)record.Kind}'";
                    break;
            }
        }
        catch (Exception e) when (e is InvalidDataException or SyscallException or HandoverDescriptorLostException)
        {
            Ending = ChannelEnding.BadRecord;
            Problem = e.Message;
        }

        _ended.Set();
    }
}
