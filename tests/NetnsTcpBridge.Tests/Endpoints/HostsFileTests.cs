using System.Net;
using NetnsTcpBridge.Endpoints;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints;

public sealed class HostsFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"hosts-{Environment.ProcessId}-{Guid.NewGuid():N}");

    [Fact]
    public void Lookup_FindsEveryAddressOfANameOrAlias_InFileOrder_IgnoringComments()
    {
        File.WriteAllText(_path, "# comment backend\n127.0.0.9\tbackend.test other # trailing\n\n::1 backend.test\n10.0.0.1 unrelated\n");

        Assert.Equal([IPAddress.Parse("127.0.0.9"), IPAddress.Parse("::1")], HostsFile.Lookup(_path, "BACKEND.test"));
        Assert.Equal([IPAddress.Parse("127.0.0.9")], HostsFile.Lookup(_path, "other"));
        Assert.Empty(HostsFile.Lookup(_path, "comment"));
    }

    [Fact]
    public void Lookup_MissingFile_FindsNothing() => Assert.Empty(HostsFile.Lookup(_path + ".absent", "backend"));

    public void Dispose() => File.Delete(_path);
}
