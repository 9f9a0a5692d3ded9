using System.Net.Sockets;

namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// A socket file nobody listens on, as a process that died leaves it. Made with raw calls: a .NET
/// Socket removes the file it bound when it is disposed.
/// </summary>
internal static class StaleSocketFile
{
    public static unsafe void Leave(string path)
    {
        int fd = Native.Socket(Native.AF_UNIX, Native.SOCK_STREAM | Native.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new InvalidOperationException($"socket(AF_UNIX): {Native.LastError()}");
        }

        try
        {
            var address = new UnixDomainSocketEndPoint(path).Serialize();
            byte[] bytes = address.Buffer[..address.Size].ToArray();
            fixed (byte* pointer = bytes)
            {
                if (Native.Bind(fd, pointer, (uint)bytes.Length) != 0)
                {
                    throw new InvalidOperationException($"bind({path}): {Native.LastError()}");
                }
            }
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }
}
