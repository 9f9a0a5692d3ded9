using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>How the stream of clients from the listener ended.</summary>
internal enum ChannelEnding
{
    /// <summary>The listener sent its last client: after a one-shot client, or when stopping.</summary>
    EndReceived,

    /// <summary>The channel closed: the listener is gone.</summary>
    ListenerGone,

    /// <summary>A record made no sense.</summary>
    BadRecord,
}

/// <summary>The hand-over channel seen as a source of clients for the relay's event loops.</summary>
internal sealed class ChannelClientSource : IClientSource, IDisposable
{
    private readonly HandoverChannel _channel;
    private readonly ManualResetEventSlim _finished = new();
    private const long LostWarningIntervalMilliseconds = 10_000;

    private int _preconnected;
    private long _lastLostWarningTicks = long.MinValue / 2;
    private int _ended;

    /// <param name="preconnected">The -C socket for the first client, or -1; owned by this source until taken.</param>
    public ChannelClientSource(HandoverChannel channel, int preconnected)
    {
        _channel = channel;
        _preconnected = preconnected;
    }

    public int ReadinessDescriptor => _channel.Socket.Number;

    public ChannelEnding Ending { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>With <see cref="ChannelEnding.EndReceived"/>: how long open connections may go on.</summary>
    public TimeSpan DrainTimeout { get; private set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Preconnected socket not given to any client (closed by the caller at exit, or never taken).</summary>
    public int UntakenPreconnected => Volatile.Read(ref _preconnected);

    public ClientTake TryTake(out HandedOverClient client)
    {
        client = default;
        while (Volatile.Read(ref _ended) == 0)
        {
            HandoverMessage? message;
            try
            {
                if (!_channel.TryReceive(out message))
                {
                    return ClientTake.NoneYet;
                }
            }
            catch (HandoverDescriptorLostException e)
            {
                WarnAboutLostClient(e);
                continue;
            }
            catch (Exception e) when (e is InvalidDataException or Interop.SyscallException)
            {
                return Finish(ChannelEnding.BadRecord, e.Message);
            }

            using (message)
            {
                switch (message?.Kind)
                {
                    case null:
                        return Finish(ChannelEnding.ListenerGone, null);
                    case HandoverMessageKind.Client:
                        if (!ClientRecordText.TryParse(message.Text, out bool prepared, out int route))
                        {
                            return Finish(ChannelEnding.BadRecord, $"client record with unknown text '{message.Text}'");
                        }

                        // Ownership of both descriptors moves to the caller.
                        int server = Interlocked.Exchange(ref _preconnected, -1);
                        client = new HandedOverClient(message.TakeDescriptor()!.Release(), server, prepared, route);
                        return ClientTake.Client;
                    case HandoverMessageKind.End:
                        try
                        {
                            DrainTimeout = EndRecord.Parse(message.Text);
                        }
                        catch (InvalidDataException e)
                        {
                            return Finish(ChannelEnding.BadRecord, e.Message);
                        }

                        return Finish(ChannelEnding.EndReceived, null);
                    default:
                        return Finish(ChannelEnding.BadRecord, $"unexpected hand-over record '{(char)message.Kind}'");
                }
            }
        }

        return ClientTake.Finished;
    }

    private void WarnAboutLostClient(HandoverDescriptorLostException e)
    {
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastLostWarningTicks);
        if (now - last >= LostWarningIntervalMilliseconds && Interlocked.CompareExchange(ref _lastLostWarningTicks, now, last) == last)
        {
            Log.Warning($"{e.Message}; that client is dropped (raise the limit with ulimit -n)");
        }
    }

    /// <summary>Blocks until no more clients will come.</summary>
    public void WaitUntilFinished() => _finished.Wait();

    public void Dispose() => _finished.Dispose();

    private ClientTake Finish(ChannelEnding ending, string? problem)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            Ending = ending;
            Problem = problem;
            _finished.Set();
        }

        return ClientTake.Finished;
    }
}
