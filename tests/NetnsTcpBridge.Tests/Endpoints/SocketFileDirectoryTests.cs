using System.Net.Sockets;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints;

/// <summary>
/// Removing a socket file through its directory's descriptor: only the very socket file the bridge
/// made, never a symlink's target, never a file put in its place, and never in a directory
/// renamed into the path after the descriptor was opened.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SocketFileDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ntb-sockdir-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("/run/app.sock", "/run", "app.sock")]
    [InlineData("/app.sock", "/", "app.sock")]
    [InlineData("/run/a,b\nc.sock", "/run", "a,b\nc.sock")]
    public void Split_GivesDirectoryAndName(string path, string directory, string name) =>
        Assert.Equal((directory, name), SocketFileDirectory.Split(path));

    [Theory]
    [InlineData("/run/")]
    [InlineData("/run/.")]
    [InlineData("/run/..")]
    [InlineData("/")]
    public void Split_PathWithoutAName_IsNull(string path) => Assert.Null(SocketFileDirectory.Split(path));

    [Fact]
    public void Open_WithoutAName_SaysSoInOneLine()
    {
        var error = Assert.Throws<BridgeException>(() => SocketFileDirectory.Open(_root + "/"));
        Assert.Contains("must end with the socket's file name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingDirectory_NamesIt()
    {
        string missing = Path.Combine(_root, "missing");
        var error = Assert.Throws<BridgeException>(() => SocketFileDirectory.Open(Path.Combine(missing, "a.sock")));
        Assert.Equal($"cannot listen on unix:{missing}/a.sock: its directory {missing}: No such file or directory", error.Message);
    }

    [Fact]
    public void RemoveIfStill_TheSocketFileItMade_IsRemoved()
    {
        string path = Path.Combine(_root, "a.sock");
        using var socket = BoundSocket(path);
        using var directory = SocketFileDirectory.Open(path);
        var created = Assert.IsType<FileStatus>(directory.Find());

        Assert.True(directory.RemoveIfStill(created, out string? problem), problem);
        Assert.False(Path.Exists(path));
        Assert.True(directory.RemoveIfStill(created, out problem), "already gone is fine");
        Assert.Null(problem);
    }

    [Fact]
    public void RemoveIfStill_ASymlinkInItsPlace_StaysAndItsTargetToo()
    {
        string path = Path.Combine(_root, "a.sock");
        string elsewhere = Path.Combine(_root, "elsewhere.sock");
        using var directory = SocketFileDirectory.Open(path);
        FileStatus created;
        using (BoundSocket(path))
        {
            created = Assert.IsType<FileStatus>(directory.Find());
        }

        File.Move(path, elsewhere); // the very file, now reached only through the symlink
        File.CreateSymbolicLink(path, elsewhere);

        Assert.False(directory.RemoveIfStill(created, out string? problem));
        Assert.Contains("another file has taken its place", problem, StringComparison.Ordinal);
        Assert.NotNull(new FileInfo(path).LinkTarget);
        Assert.True(Path.Exists(elsewhere));
    }

    [Fact]
    public void RemoveIfStill_AnotherFileInItsPlace_Stays()
    {
        string path = Path.Combine(_root, "a.sock");
        using var directory = SocketFileDirectory.Open(path);
        FileStatus created;
        using (BoundSocket(path))
        {
            created = Assert.IsType<FileStatus>(directory.Find());
        }

        // Someone else's socket file under the same name (made before ours goes, so never with its inode).
        string theirs = Path.Combine(_root, "theirs.sock");
        BoundSocket(theirs).Dispose();
        File.Delete(path);
        File.Move(theirs, path);

        Assert.False(directory.RemoveIfStill(created, out _));
        Assert.True(Path.Exists(path));

        File.Delete(path);
        File.WriteAllText(path, "precious");
        Assert.False(directory.RemoveIfStill(created, out _));
        Assert.Equal("precious", File.ReadAllText(path));
    }

    [Fact]
    public void RemoveIfStill_DirectoryRenamedAndReplaced_ActsInTheDirectoryOpened()
    {
        string original = Path.Combine(_root, "run");
        Directory.CreateDirectory(original);
        string path = Path.Combine(original, "a.sock");
        using var directory = SocketFileDirectory.Open(path);
        FileStatus created;
        using (BoundSocket(path))
        {
            created = Assert.IsType<FileStatus>(directory.Find());
        }

        string moved = Path.Combine(_root, "moved");
        Directory.Move(original, moved);
        Directory.CreateDirectory(original);
        File.WriteAllText(path, "another directory's file");

        Assert.True(directory.RemoveIfStill(created, out string? problem), problem);
        Assert.False(Path.Exists(Path.Combine(moved, "a.sock")));
        Assert.Equal("another directory's file", File.ReadAllText(path));
    }

    [Fact]
    public void CreatedSocketFile_FormatAndParse_KeepDescriptorIdentityAndAPathWithCommasAndNewlines()
    {
        string path = Path.Combine(_root, "a,b\nc d%.sock");
        using var directory = SocketFileDirectory.Open(path);
        var file = new CreatedSocketFile(directory, new FileStatus(Libc.S_IFSOCK, 0, 66306, 1234567));

        string text = file.Format();
        Assert.DoesNotContain('\n', text);
        var parsed = CreatedSocketFile.Parse(text);
        try
        {
            Assert.Equal(directory.Directory.Number, parsed.DirectoryFd);
            Assert.Equal(path, parsed.Directory.Path);
            Assert.Equal("a,b\nc d%.sock", parsed.Directory.Name);
            Assert.True(parsed.Identity.IsSameSocketFile(file.Identity));
        }
        finally
        {
            // Both wrap the same number here; only one may close it.
            _ = parsed.Directory.Directory.Release();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("5,1,2")]
    [InlineData("5,1,2,relative.sock")]
    [InlineData("x,1,2,%2Fa.sock")]
    [InlineData("5,1,-2,%2Fa.sock")]
    [InlineData("5,1,2,/a,b.sock")]
    public void CreatedSocketFile_Parse_Malformed_Throws(string text) =>
        Assert.Throws<InvalidDataException>(() => CreatedSocketFile.Parse(text));

    /// <summary>
    /// A socket bound to <paramref name="path"/> with raw calls: closing it leaves the file, as a
    /// process that dies does (a .NET Socket removes the file it bound when disposed).
    /// </summary>
    private static unsafe FileDescriptor BoundSocket(string path)
    {
        var socket = new FileDescriptor(Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0));
        var address = new UnixDomainSocketEndPoint(path).Serialize();
        byte[] bytes = address.Buffer[..address.Size].ToArray();
        fixed (byte* pointer = bytes)
        {
            Assert.Equal(0, Libc.Bind(socket.Number, pointer, (uint)bytes.Length));
        }

        return socket;
    }
}
