using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Parts.Connector;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Tests.Support;
using Xunit;

namespace NetnsTcpBridge.Tests.Parts.Connector;

/// <summary>The connector's view of the hand-over channel as a source of clients, over a real SEQPACKET pair.</summary>
public sealed class ChannelClientSourceTests : IDisposable
{
    private readonly HandoverChannel _listener;
    private readonly HandoverChannel _connector;
    private readonly List<IDisposable> _cleanup = [];

    public ChannelClientSourceTests()
    {
        (_listener, _connector) = HandoverChannel.CreatePair();
    }

    public void Dispose()
    {
        _cleanup.ForEach(d => d.Dispose());
        _listener.Dispose();
        _connector.Dispose();
    }

    [Fact]
    public void ReadinessDescriptor_IsTheChannelSocket()
    {
        using var source = new ChannelClientSource(_connector, -1);

        Assert.Equal(_connector.Socket.Number, source.ReadinessDescriptor);
    }

    [Fact]
    public void NothingSentYet_IsNoneYet()
    {
        using var source = new ChannelClientSource(_connector, -1);

        Assert.Equal(ClientTake.NoneYet, source.TryTake(out var client));
        Assert.Equal(default, client);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData(HandoverChannel.PreparedClient, true)]
    public void ClientRecord_GivesItsDescriptor_AndWhetherItIsPrepared(string text, bool prepared)
    {
        using var source = new ChannelClientSource(_connector, -1);
        int sent = NewSocket();

        _listener.Send(HandoverMessageKind.Client, text, sent);

        Assert.Equal(ClientTake.Client, source.TryTake(out var client));
        using var received = new FileDescriptor(client.Client);
        Assert.Equal(UnixSockets.OpenFile(sent), UnixSockets.OpenFile(received.Number));
        Assert.Equal(-1, client.Server);
        Assert.Equal(prepared, client.Prepared);
        Assert.Equal(ClientTake.NoneYet, source.TryTake(out _));
    }

    [Fact]
    public void PreconnectedSocket_GoesWithTheFirstClientOnly()
    {
        int preconnected = NewSocket();
        using var source = new ChannelClientSource(_connector, preconnected);
        Assert.Equal(preconnected, source.UntakenPreconnected);

        _listener.Send(HandoverMessageKind.Client, descriptor: NewSocket());
        _listener.Send(HandoverMessageKind.Client, descriptor: NewSocket());

        Assert.Equal(ClientTake.Client, source.TryTake(out var first));
        Assert.Equal(ClientTake.Client, source.TryTake(out var second));
        using (new FileDescriptor(first.Client))
        using (new FileDescriptor(second.Client))
        {
            Assert.Equal(preconnected, first.Server);
            Assert.Equal(-1, second.Server);
            Assert.Equal(-1, source.UntakenPreconnected);
        }
    }

    [Fact]
    public void EndRecord_FinishesWithEndRecord_AndKeepsThePreconnectedSocketUntaken()
    {
        int preconnected = NewSocket();
        using var source = new ChannelClientSource(_connector, preconnected);

        _listener.Send(HandoverMessageKind.End);

        Assert.Equal(ClientTake.Finished, source.TryTake(out _));
        Assert.Equal(ChannelEnding.EndReceived, source.Ending);
        Assert.Null(source.Problem);
        Assert.Equal(preconnected, source.UntakenPreconnected);
        source.WaitUntilFinished();
    }

    [Fact]
    public void ChannelClosed_FinishesWithListenerGone()
    {
        using var source = new ChannelClientSource(_connector, -1);

        _listener.Dispose();

        Assert.Equal(ClientTake.Finished, source.TryTake(out _));
        Assert.Equal(ChannelEnding.ListenerGone, source.Ending);
        source.WaitUntilFinished();
    }

    [Fact]
    public void ClientRecordWithoutDescriptor_FinishesWithBadRecord()
    {
        using var source = new ChannelClientSource(_connector, -1);

        _listener.Send(HandoverMessageKind.Client);

        Assert.Equal(ClientTake.Finished, source.TryTake(out _));
        Assert.Equal(ChannelEnding.BadRecord, source.Ending);
        Assert.Contains("no descriptor", source.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void UnexpectedRecordKind_FinishesWithBadRecordNamingIt()
    {
        using var source = new ChannelClientSource(_connector, -1);

        _listener.Send(HandoverMessageKind.Settings, "connect-timeout-ms=1\n");

        Assert.Equal(ClientTake.Finished, source.TryTake(out _));
        Assert.Equal(ChannelEnding.BadRecord, source.Ending);
        Assert.Contains("'C'", source.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AfterFinishing_StaysFinished_EvenIfMoreRecordsCome()
    {
        using var source = new ChannelClientSource(_connector, -1);
        _listener.Send(HandoverMessageKind.End);
        Assert.Equal(ClientTake.Finished, source.TryTake(out _));

        _listener.Send(HandoverMessageKind.Client, descriptor: NewSocket());

        Assert.Equal(ClientTake.Finished, source.TryTake(out var client));
        Assert.Equal(default, client);
        Assert.Equal(ChannelEnding.EndReceived, source.Ending);
    }

    /// <summary>A fresh socket whose descriptor this test keeps open until the end.</summary>
    private int NewSocket()
    {
        var (a, b) = UnixSockets.CreateStreamPair();
        _cleanup.Add(a);
        _cleanup.Add(b);
        return UnixSockets.Number(a);
    }
}
