using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>
/// A one-shot bridge (-C) takes one client and ends once that client's connection has: a thread
/// of its own waits for the listening sockets to be stopped after that client, then for the
/// engine to be idle, and sets the handle it returns.
/// </summary>
internal static class OneShotWatch
{
    public static WaitHandle Start(ListeningClientSource clients, RelayEngine engine)
    {
        var done = new ManualResetEvent(false);
        new Thread(() =>
        {
            clients.Finished.WaitOne();
            engine.WaitUntilIdle(Timeout.InfiniteTimeSpan);
            done.Set();
        })
        {
            IsBackground = true,
            Name = "one-shot end",
        }.Start();
        return done;
    }
}
