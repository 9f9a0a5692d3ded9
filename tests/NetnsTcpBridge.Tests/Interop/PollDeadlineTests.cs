using NetnsTcpBridge.Interop;
using Xunit;

namespace NetnsTcpBridge.Tests.Interop;

/// <summary>poll until a deadline: the timeout handed to poll, and readiness on a real socket pair.</summary>
public class PollDeadlineTests
{
    [Theory]
    [InlineData(1_000L, 400L, 600)]
    [InlineData(1_000L, 1_000L, 0)]
    [InlineData(1_000L, 5_000L, 0)]
    [InlineData(long.MaxValue - 1, 0L, int.MaxValue)]
    public void TimeoutFor_IsTheTimeLeft_NeverNegative_AtMostIntMax(long deadline, long now, int expected) =>
        Assert.Equal(expected, PollDeadline.TimeoutFor(deadline, now));

    [Fact]
    public void TimeoutFor_Never_WaitsWithoutLimit() =>
        Assert.Equal(-1, PollDeadline.TimeoutFor(PollDeadline.Never, 12_345));

    [Fact]
    public unsafe void Readable_ByAPastDeadline_SaysWhatIsReadyNow()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, fds));
        using var one = new FileDescriptor(fds[0]);
        using var other = new FileDescriptor(fds[1]);
        long past = Environment.TickCount64 - 1_000;

        Assert.False(PollDeadline.Readable(one.Number, past, "test socket"));

        byte data = 42;
        Assert.Equal(1, Libc.Write(other.Number, &data, 1));
        Assert.True(PollDeadline.Readable(one.Number, past, "test socket"));
    }

    [Fact]
    public unsafe void Wait_MarksOnlyTheReadyDescriptor()
    {
        int* fds = stackalloc int[4];
        Assert.Equal(0, Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, fds));
        Assert.Equal(0, Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, fds + 2));
        using var quiet = new FileDescriptor(fds[0]);
        using var quietPeer = new FileDescriptor(fds[1]);
        using var spoken = new FileDescriptor(fds[2]);
        using var speaker = new FileDescriptor(fds[3]);
        byte data = 42;
        Assert.Equal(1, Libc.Write(speaker.Number, &data, 1));

        Span<Libc.PollFd> polled = stackalloc Libc.PollFd[2];
        polled[0] = new Libc.PollFd { Fd = quiet.Number, Events = Libc.POLLIN };
        polled[1] = new Libc.PollFd { Fd = spoken.Number, Events = Libc.POLLIN };

        Assert.Equal(1, PollDeadline.Wait(polled, PollDeadline.Never, "test sockets"));
        Assert.Equal(0, polled[0].Revents);
        Assert.Equal(Libc.POLLIN, polled[1].Revents);
    }
}
