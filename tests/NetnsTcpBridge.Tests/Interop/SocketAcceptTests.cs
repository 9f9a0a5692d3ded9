using System.Net.Sockets;
using NetnsTcpBridge.Interop;
using Xunit;

namespace NetnsTcpBridge.Tests.Interop;

/// <summary>accept4's errnos sorted into outcomes, and the outcomes on a real UNIX listening socket.</summary>
public class SocketAcceptTests
{
    [Theory]
    [InlineData((int)Errno.EAGAIN, (int)AcceptOutcome.NoneWaiting)]
    [InlineData((int)Errno.EINTR, (int)AcceptOutcome.NoneWaiting)]
    [InlineData((int)Errno.ECONNABORTED, (int)AcceptOutcome.ClientGone)]
    [InlineData((int)Errno.EPROTO, (int)AcceptOutcome.ClientGone)]
    [InlineData((int)Errno.EPERM, (int)AcceptOutcome.ClientGone)]
    [InlineData((int)Errno.EMFILE, (int)AcceptOutcome.DescriptorLimit)]
    [InlineData((int)Errno.ENFILE, (int)AcceptOutcome.DescriptorLimit)]
    [InlineData((int)Errno.ENOBUFS, (int)AcceptOutcome.DescriptorLimit)]
    [InlineData((int)Errno.ENOMEM, (int)AcceptOutcome.DescriptorLimit)]
    public void Classify_SortsTheErrnosThatMeanTryLater(int errno, int expected) =>
        Assert.Equal((AcceptOutcome)expected, SocketAccept.Classify((Errno)errno));

    [Theory]
    [InlineData((int)Errno.EINVAL)]
    [InlineData((int)Errno.EBADF)]
    [InlineData((int)Errno.ENOTSOCK)]
    public void Classify_LeavesRealErrorsToBeThrown(int errno) =>
        Assert.Null(SocketAccept.Classify((Errno)errno));

    [Fact]
    public void Take_GivesNoneWaiting_ThenTheClient_AndThrowsNamingAccept4OnASocketThatDoesNotListen()
    {
        string directory = Directory.CreateTempSubdirectory("ntb-accept-").FullName;
        try
        {
            var path = new UnixDomainSocketEndPoint(Path.Combine(directory, "l.sock"));
            using var listening = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listening.Bind(path);
            listening.Listen();
            listening.Blocking = false;
            int fd = (int)listening.Handle;

            var none = SocketAccept.Take(fd, "test socket");
            Assert.Equal(new AcceptResult(AcceptOutcome.NoneWaiting, -1, (int)Errno.EAGAIN), none);

            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(path);
            var taken = SocketAccept.Take(fd, "test socket");
            Assert.Equal(AcceptOutcome.Socket, taken.Outcome);
            using (new FileDescriptor(taken.Socket))
            {
                Assert.True(taken.Socket >= 0);
                Assert.Equal(Libc.O_NONBLOCK, Libc.Fcntl(taken.Socket, Libc.F_GETFL, 0) & Libc.O_NONBLOCK);
                Assert.Equal(Libc.FD_CLOEXEC, Libc.Fcntl(taken.Socket, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
            }

            // A socket that does not listen: EINVAL, as a listening TCP socket gives once shut down.
            var error = Assert.Throws<SyscallException>(() => SocketAccept.Take((int)client.Handle, "test socket"));
            Assert.Equal("accept4", error.Call);
            Assert.Equal("test socket", error.Subject);
            Assert.Equal(Errno.EINVAL, (Errno)error.ErrorNumber);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
