using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Parts.Listener;
using Xunit;

namespace NetnsTcpBridge.Tests.Parts.Listener;

public class ListenerHandoffTests
{
    /// <summary>
    /// A socket file's directory descriptor is one of the descriptors that survive the image
    /// change, and the serving image gets it back with the file's identity and path.
    /// </summary>
    [Fact]
    public void SocketFiles_CrossWithTheirDirectoryDescriptor()
    {
        string directory = Directory.CreateTempSubdirectory("ntb-handoff-").FullName;
        try
        {
            using var opened = SocketFileDirectory.Open(Path.Combine(directory, "front,1.sock"));
            var handoff = new ListenerHandoff
            {
                MetricsFd = 7,
                SocketFiles = [new CreatedSocketFile(opened, new FileStatus(Libc.S_IFSOCK, 0, 2049, 424242))],
            };

            Assert.Equal([7, opened.Directory.Number], handoff.Descriptors.Order());
            var parsed = ListenerHandoff.Parse(handoff.Format());
            var file = Assert.Single(parsed.SocketFiles);
            try
            {
                Assert.Equal(opened.Directory.Number, file.DirectoryFd);
                Assert.Equal(Path.Combine(directory, "front,1.sock"), file.Directory.Path);
                Assert.Equal((2049ul, 424242ul), (file.Identity.Device, file.Identity.Inode));
            }
            finally
            {
                // Both wrap the same number here; only one may close it.
                _ = file.Directory.Directory.Release();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
