using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Tests.Support;
using Xunit;

namespace NetnsTcpBridge.Tests.Handover;

/// <summary>Runs over a real AF_UNIX SOCK_SEQPACKET pair; every blocking call is bounded by a timeout.</summary>
public sealed class HandoverChannelTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly HandoverChannel _listener;
    private readonly HandoverChannel _connector;

    public HandoverChannelTests()
    {
        (_listener, _connector) = HandoverChannel.CreatePair();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _connector.Dispose();
    }

    [Fact]
    public void CreatePair_BothEndsAreCloseOnExecSeqpacketSockets()
    {
        Assert.True(UnixSockets.IsCloseOnExec(_listener.Socket.Number));
        Assert.True(UnixSockets.IsCloseOnExec(_connector.Socket.Number));
        Assert.NotEqual(_listener.Socket.Number, _connector.Socket.Number);
        Assert.StartsWith("socket:[", UnixSockets.OpenFile(_listener.Socket.Number), StringComparison.Ordinal);
        Assert.True(Libc.GetIntSockOpt(_listener.Socket.Number, Libc.SOL_SOCKET, Libc.SO_TYPE, out int type) == 0);
        Assert.Equal(Libc.SOCK_SEQPACKET, type);
    }

    [Theory]
    [InlineData("connect=[::1]:8080\nconnect-timeout-ms=10000\none-shot=0\nlog-level=2\n")]
    [InlineData("")]
    [InlineData("caf\u00e9 \u2713 \U0001F600")]
    public async Task Settings_TextRoundTrips(string text)
    {
        _listener.Send(HandoverMessageKind.Settings, text);

        using var message = await ReceiveAsync(_connector);

        Assert.NotNull(message);
        Assert.Equal(HandoverMessageKind.Settings, message.Kind);
        Assert.Equal(text, message.Text);
        Assert.Null(message.Descriptor);
    }

    [Fact]
    public async Task End_RoundTripsWithoutTextOrDescriptor()
    {
        _listener.Send(HandoverMessageKind.End);

        using var message = await ReceiveAsync(_connector);

        Assert.NotNull(message);
        Assert.Equal(HandoverMessageKind.End, message.Kind);
        Assert.Equal(string.Empty, message.Text);
        Assert.Null(message.Descriptor);
    }

    [Fact]
    public async Task Records_KeepTheirBoundariesAndOrder()
    {
        _listener.Send(HandoverMessageKind.Settings, "one");
        _listener.Send(HandoverMessageKind.Settings, "two");
        _listener.Send(HandoverMessageKind.End);

        using var first = await ReceiveAsync(_connector);
        using var second = await ReceiveAsync(_connector);
        using var third = await ReceiveAsync(_connector);

        Assert.Equal("one", first!.Text);
        Assert.Equal("two", second!.Text);
        Assert.Equal(HandoverMessageKind.End, third!.Kind);
    }

    [Fact]
    public async Task BothDirections_Work()
    {
        _connector.Send(HandoverMessageKind.Settings, "back");

        using var message = await ReceiveAsync(_listener);

        Assert.Equal("back", message!.Text);
    }

    [Fact]
    public async Task LargestText_RoundTrips()
    {
        string text = new('x', HandoverChannel.MaxMessageBytes - 1);

        _listener.Send(HandoverMessageKind.Settings, text);
        using var message = await ReceiveAsync(_connector);

        Assert.Equal(text, message!.Text);
    }

    [Theory]
    [InlineData(HandoverChannel.MaxMessageBytes, "x")]
    [InlineData(HandoverChannel.MaxMessageBytes / 2, "\u00e9")] // two UTF-8 bytes each: one byte too many with the kind byte
    public async Task TextTooLarge_IsRefusedBySendAndNothingIsSent(int count, string unit)
    {
        string text = string.Concat(Enumerable.Repeat(unit, count));

        Assert.Throws<ArgumentException>(() => _listener.Send(HandoverMessageKind.Settings, text));

        _listener.Send(HandoverMessageKind.End);
        using var next = await ReceiveAsync(_connector);
        Assert.Equal(HandoverMessageKind.End, next!.Kind);
    }

    [Fact]
    public async Task Client_CarriesExactlyOneDescriptor_ForTheSameOpenFile()
    {
        var (mine, peer) = UnixSockets.CreateStreamPair();
        using (mine)
        using (peer)
        {
            _listener.Send(HandoverMessageKind.Client, descriptor: UnixSockets.Number(mine));
            using var message = await ReceiveAsync(_connector);

            Assert.NotNull(message);
            Assert.Equal(HandoverMessageKind.Client, message.Kind);
            Assert.Equal(string.Empty, message.Text);
            var descriptor = Assert.IsType<FileDescriptor>(message.Descriptor);
            Assert.False(descriptor.IsInvalid);
            Assert.NotEqual(UnixSockets.Number(mine), descriptor.Number);
            Assert.Equal(UnixSockets.OpenFile(UnixSockets.Number(mine)), UnixSockets.OpenFile(descriptor.Number));
            Assert.True(UnixSockets.IsCloseOnExec(descriptor.Number));

            using var received = UnixSockets.ToSocket(message.TakeDescriptor()!);
            Assert.Null(message.Descriptor);
            await received.SendAsync("through the received fd"u8.ToArray()).WaitAsync(Timeout);

            Assert.Equal("through the received fd", await ReadTextAsync(peer, "through the received fd".Length));
        }
    }

    [Fact]
    public async Task SendersCopy_CanBeClosedAfterSend_WithoutAffectingTheReceiversCopy()
    {
        var (mine, peer) = UnixSockets.CreateStreamPair();
        using (peer)
        {
            _listener.Send(HandoverMessageKind.Client, descriptor: UnixSockets.Number(mine));
            mine.Dispose();

            using var message = await ReceiveAsync(_connector);
            var received = UnixSockets.ToSocket(message!.TakeDescriptor()!);

            // Still open: both directions work through the receiver's copy alone.
            await received.SendAsync("still open"u8.ToArray()).WaitAsync(Timeout);
            Assert.Equal("still open", await ReadTextAsync(peer, "still open".Length));
            await peer.SendAsync("reply"u8.ToArray()).WaitAsync(Timeout);
            Assert.Equal("reply", await ReadTextAsync(received, "reply".Length));

            // The receiver's copy was the last one: closing it ends the connection.
            received.Dispose();
            await AssertEndOfStreamAsync(peer);
        }
    }

    [Fact]
    public async Task Settings_MayCarryOneDescriptor()
    {
        var (mine, peer) = UnixSockets.CreateStreamPair();
        using (mine)
        using (peer)
        {
            _listener.Send(HandoverMessageKind.Settings, "connect-timeout-ms=1\none-shot=1\n", UnixSockets.Number(mine));

            using var message = await ReceiveAsync(_connector);

            Assert.Equal(HandoverMessageKind.Settings, message!.Kind);
            Assert.Equal("connect-timeout-ms=1\none-shot=1\n", message.Text);
            Assert.Equal(UnixSockets.OpenFile(UnixSockets.Number(mine)), UnixSockets.OpenFile(message.Descriptor!.Number));
        }
    }

    [Fact]
    public async Task Client_WithoutDescriptor_IsRefused()
    {
        _listener.Send(HandoverMessageKind.Client);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReceiveAsync(_connector));

        Assert.Contains("no descriptor", e.Message, StringComparison.Ordinal);
        await AssertChannelStillWorksAsync();
    }

    [Fact]
    public async Task RecordWithTwoDescriptors_IsRefused_AndBothReceivedDescriptorsAreClosed()
    {
        var (first, firstPeer) = UnixSockets.CreateStreamPair();
        var (second, secondPeer) = UnixSockets.CreateStreamPair();
        using (firstPeer)
        using (secondPeer)
        {
            UnixSockets.SendRaw(_listener.Socket.Number, [(byte)HandoverMessageKind.Client], UnixSockets.Number(first), UnixSockets.Number(second));
            first.Dispose();
            second.Dispose();

            var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReceiveAsync(_connector));

            Assert.Contains("2 descriptors", e.Message, StringComparison.Ordinal);

            // Only the receiver's copies are left; the peers see EOF only once those are closed too.
            await AssertEndOfStreamAsync(firstPeer);
            await AssertEndOfStreamAsync(secondPeer);
            await AssertChannelStillWorksAsync();
        }
    }

    [Fact]
    public async Task RecordWithThreeDescriptors_IsRefused_AndAllAreClosed()
    {
        var pairs = Enumerable.Range(0, 3).Select(_ => UnixSockets.CreateStreamPair()).ToList();
        try
        {
            UnixSockets.SendRaw(_listener.Socket.Number, [(byte)HandoverMessageKind.Client], pairs.Select(p => UnixSockets.Number(p.A)).ToArray());
            foreach (var (mine, _) in pairs)
            {
                mine.Dispose();
            }

            await Assert.ThrowsAsync<InvalidDataException>(() => ReceiveAsync(_connector));

            foreach (var (_, peer) in pairs)
            {
                await AssertEndOfStreamAsync(peer);
            }

            await AssertChannelStillWorksAsync();
        }
        finally
        {
            foreach (var (mine, peer) in pairs)
            {
                mine.Dispose();
                peer.Dispose();
            }
        }
    }

    [Fact]
    public async Task OversizedRecord_IsRefusedAsTruncated_AndItsDescriptorIsClosed()
    {
        var (mine, peer) = UnixSockets.CreateStreamPair();
        using (peer)
        {
            byte[] payload = new byte[HandoverChannel.MaxMessageBytes + 1];
            payload[0] = (byte)HandoverMessageKind.Settings;
            UnixSockets.SendRaw(_listener.Socket.Number, payload, UnixSockets.Number(mine));
            mine.Dispose();

            var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReceiveAsync(_connector));

            Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
            await AssertEndOfStreamAsync(peer);
            await AssertChannelStillWorksAsync();
        }
    }

    [Fact]
    public async Task Receive_AfterTheOtherEndIsDisposed_ReturnsNull()
    {
        _listener.Dispose();

        Assert.Null(await ReceiveAsync(_connector));
        Assert.Null(await ReceiveAsync(_connector));
    }

    [Fact]
    public async Task Receive_DeliversQueuedRecordsBeforeReportingTheClose()
    {
        var (mine, peer) = UnixSockets.CreateStreamPair();
        using (mine)
        using (peer)
        {
            _listener.Send(HandoverMessageKind.Settings, "settings");
            _listener.Send(HandoverMessageKind.Client, descriptor: UnixSockets.Number(mine));
            _listener.Send(HandoverMessageKind.End);
            _listener.Dispose();

            using var settings = await ReceiveAsync(_connector);
            using var client = await ReceiveAsync(_connector);
            using var end = await ReceiveAsync(_connector);

            Assert.Equal("settings", settings!.Text);
            Assert.NotNull(client!.Descriptor);
            Assert.Equal(HandoverMessageKind.End, end!.Kind);
            Assert.Null(await ReceiveAsync(_connector));
        }
    }

    [Fact]
    public async Task Receive_WhileWaiting_ReturnsNullWhenTheOtherEndGoes()
    {
        var pending = ReceiveAsync(_connector);

        _listener.Dispose();

        Assert.Null(await pending);
    }

    [Fact]
    public void Send_AfterTheOtherEndIsDisposed_FailsWithBrokenPipe()
    {
        _connector.Dispose();

        var e = Assert.Throws<SyscallException>(() => _listener.Send(HandoverMessageKind.End));

        Assert.Equal("sendmsg", e.Call);
        Assert.Contains(e.Errno, new[] { Errno.EPIPE, Errno.ECONNRESET });
    }

    [Fact]
    public void TryReceive_WithNothingThere_ReturnsFalseAtOnce()
    {
        Assert.False(_connector.TryReceive(out var message));
        Assert.Null(message);
    }

    [Fact]
    public void TryReceive_TakesAWaitingRecord()
    {
        var (mine, peer) = UnixSockets.CreateStreamPair();
        using (mine)
        using (peer)
        {
            _listener.Send(HandoverMessageKind.Client, "route=1", UnixSockets.Number(mine));

            Assert.True(_connector.TryReceive(out var message));
            using (message)
            {
                Assert.NotNull(message);
                Assert.Equal(HandoverMessageKind.Client, message.Kind);
                Assert.Equal("route=1", message.Text);
                Assert.Equal(UnixSockets.OpenFile(UnixSockets.Number(mine)), UnixSockets.OpenFile(message.Descriptor!.Number));
            }

            Assert.False(_connector.TryReceive(out _));
        }
    }

    [Fact]
    public void TryReceive_AfterTheOtherEndIsDisposed_ReturnsTrueWithNull()
    {
        _listener.Dispose();

        Assert.True(_connector.TryReceive(out var message));
        Assert.Null(message);
    }

    [Fact]
    public void TryReceive_RefusesWhatReceiveRefuses()
    {
        _listener.Send(HandoverMessageKind.Client);

        Assert.Throws<InvalidDataException>(() => _connector.TryReceive(out _));
        Assert.False(_connector.TryReceive(out _));
    }

    [Fact]
    public void Dispose_ClosesTheSocket()
    {
        _listener.Dispose();

        Assert.True(_listener.Socket.IsClosed);
        Assert.False(_connector.Socket.IsClosed);
    }

    [Fact]
    public void HandoverMessage_Dispose_ClosesAnUntakenDescriptor()
    {
        var (mine, peer) = UnixSockets.CreateStreamPair();
        using (peer)
        {
            var descriptor = new FileDescriptor(UnixSockets.Number(mine));
            var message = new HandoverMessage(HandoverMessageKind.Client, string.Empty, descriptor);

            message.Dispose();

            Assert.True(descriptor.IsClosed);
            mine.SafeHandle.SetHandleAsInvalid(); // the message owned and closed it
        }
    }

    private static Task<HandoverMessage?> ReceiveAsync(HandoverChannel channel) =>
        Task.Run(channel.Receive).WaitAsync(Timeout);

    private static async Task<string> ReadTextAsync(Socket socket, int length)
    {
        byte[] buffer = new byte[length];
        int total = 0;
        while (total < length)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(0, read);
            total += read;
        }

        return Encoding.UTF8.GetString(buffer);
    }

    private static async Task AssertEndOfStreamAsync(Socket socket)
    {
        byte[] buffer = new byte[16];
        int read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout);
        Assert.Equal(0, read);
    }

    private async Task AssertChannelStillWorksAsync()
    {
        _listener.Send(HandoverMessageKind.Settings, "after");
        using var message = await ReceiveAsync(_connector);
        Assert.Equal("after", message!.Text);
    }
}
