using System.Globalization;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>A socket file this process made: its directory, and which file it is (to remove it and no other).</summary>
internal sealed record CreatedSocketFile(SocketFileDirectory Directory, FileStatus Identity)
{
    /// <summary>The descriptor of the directory, which must survive the listener's image change.</summary>
    public int DirectoryFd => Directory.Directory.Number;

    /// <summary>
    /// For the listener's hand-off, one line: "DIRFD,DEVICE,INODE,PATH", the path percent-encoded
    /// since a file name may hold a comma or a newline.
    /// </summary>
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{DirectoryFd},{Identity.Device},{Identity.Inode},{Uri.EscapeDataString(Directory.Path)}");

    /// <summary>Reads <see cref="Format"/>'s text; the caller's image owns the directory's descriptor from then on.</summary>
    public static CreatedSocketFile Parse(string text)
    {
        string[] fields = text.Split(',');
        if (fields.Length != 4 || Uri.UnescapeDataString(fields[3]) is not ['/', ..] path
            || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int directoryFd)
            || !ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong device)
            || !ulong.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
        {
            throw new InvalidDataException($"socket file '{text}': expected DIRFD,DEVICE,INODE,/PATH");
        }

        return new CreatedSocketFile(SocketFileDirectory.Adopt(directoryFd, path), new FileStatus(Libc.S_IFSOCK, 0, device, inode));
    }
}
