using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;
using Xunit;

namespace NetnsTcpBridge.Tests.Interop;

/// <summary>
/// The structures of Interop/ have the sizes the C headers give them on x86-64 Linux (glibc), and
/// the executable refuses every other architecture, where they would not.
/// </summary>
public class NativeLayoutTests
{
    [Fact]
    public void ThisMachine_IsX64_AndAccepted()
    {
        Assert.Equal(Architecture.X64, RuntimeInformation.ProcessArchitecture);
        Assert.Null(NativeLayout.RefusalOnThisMachine());
    }

    [Theory]
    [InlineData(Architecture.Arm64)]
    [InlineData(Architecture.X86)]
    [InlineData(Architecture.Arm)]
    [InlineData(Architecture.RiscV64)]
    [InlineData(Architecture.LoongArch64)]
    public void OtherArchitectures_AreRefused_InOneLineNamingIt(Architecture architecture)
    {
        string? refusal = NativeLayout.RefusalFor(architecture);

        Assert.NotNull(refusal);
        Assert.Contains("x86-64", refusal, StringComparison.Ordinal);
        Assert.Contains(architecture.ToString(), refusal, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refusal);
    }

    /// <summary>sizeof in C on x86-64 glibc, from the kernel's and glibc's headers.</summary>
    [Fact]
    public unsafe void Structures_HaveTheirX64Sizes()
    {
        Assert.Equal(12, sizeof(Libc.EpollEvent)); // packed: __u32 events; __u64 data
        Assert.Equal(48, sizeof(Libc.AddrInfo));
        Assert.Equal(16, sizeof(Libc.IoVec));
        Assert.Equal(56, sizeof(Libc.MsgHdr));
        Assert.Equal(16, sizeof(Libc.CmsgHdr));
        Assert.Equal(64, sizeof(Libc.MMsgHdr));
        Assert.Equal(12, sizeof(Libc.InPktInfo));
        Assert.Equal(20, sizeof(Libc.In6PktInfo));
        Assert.Equal(8, sizeof(Libc.PollFd));
        Assert.Equal(16, sizeof(Libc.RLimit));
        Assert.Equal(8, sizeof(Libc.SockFilter));
        Assert.Equal(16, sizeof(Libc.SockFprog));
        Assert.Equal(128, sizeof(Libc.SigSet));
        Assert.Equal(8, sizeof(Libc.Linger));
        Assert.Equal(48, sizeof(Libc.Passwd));
        Assert.Equal(32, sizeof(Libc.Group));
        Assert.Equal(8, sizeof(Libc.CapUserHeader));
        Assert.Equal(12, sizeof(Libc.CapUserData));
        Assert.Equal(144, Libc.StatSize);
    }

    /// <summary>The offsets read out of struct stat (type, permissions, device, inode), checked against what the kernel says otherwise.</summary>
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Stat_ModeAndInodeOffsets_ReadTheRightFields()
    {
        string directory = Directory.CreateTempSubdirectory("ntb-layout-").FullName;
        try
        {
            string path = Path.Combine(directory, "s.sock");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            int directoryFd = Libc.Open(directory, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
            Assert.True(directoryFd >= 0);
            using (new FileDescriptor(directoryFd))
            {
                var status = Libc.StatAt(directoryFd, "s.sock");
                Assert.True(status?.IsSocket);
                Assert.Equal(Convert.ToUInt32("640", 8), status?.Permissions);
                Assert.False(Libc.StatAt(directoryFd, ".")?.IsSocket);
                Assert.Null(Libc.StatAt(directoryFd, "absent"));
            }

            // /proc/self/ns/net links to "net:[INODE]"; fstat of the file opened on it gives the same inode.
            string link = new FileInfo("/proc/self/ns/net").LinkTarget!;
            ulong inode = ulong.Parse(link["net:[".Length..^1], CultureInfo.InvariantCulture);
            int fd = Libc.Open("/proc/self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC);
            Assert.True(fd >= 0);
            using var owned = new FileDescriptor(fd);
            Assert.Equal(inode, Libc.FileIdentity(fd)?.Inode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
