using System.Globalization;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Systemd;

/// <summary>
/// Whether stderr is connected to the systemd journal, found out as systemd documents it
/// (systemd.exec(5), $JOURNAL_STREAM): the variable holds "DEVICE:INODE" of the stream systemd
/// connected, in decimal, and stderr is that stream only if fstat(2) of descriptor 2 gives the
/// same pair. Checking the pair, not just the variable's presence, matters: a child that inherits
/// the variable but whose stderr was redirected elsewhere is not logging to the journal.
/// </summary>
public static class Journal
{
    private const string Variable = "JOURNAL_STREAM";

    /// <summary>True when the journal stamps our stderr lines itself, so ours would be doubled.</summary>
    public static bool IsStandardErrorConnected() =>
        Matches(Environment.GetEnvironmentVariable(Variable), Libc.STDERR_FILENO);

    /// <summary>True when <paramref name="variable"/> ("DEVICE:INODE") names what <paramref name="fd"/> is open on.</summary>
    public static bool Matches(string? variable, int fd)
    {
        if (string.IsNullOrEmpty(variable))
        {
            return false;
        }

        int colon = variable.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0
            || !ulong.TryParse(variable.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out ulong device)
            || !ulong.TryParse(variable.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
        {
            return false;
        }

        return Libc.FileIdentity(fd) is { } identity && identity.Device == device && identity.Inode == inode;
    }
}
