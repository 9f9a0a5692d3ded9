using NetnsTcpBridge.Privileges;

namespace NetnsTcpBridge.Endpoints;

/// <summary>
/// Who may connect to a listening socket file: its mode (<c>--unix-mode</c>; null leaves what the
/// umask gives) and its owner (<c>--unix-owner</c>; null leaves the process's own). Both are in
/// place before the socket listens.
/// </summary>
public sealed record SocketFileAccess(UnixFileMode? Mode, FileOwner? Owner)
{
    public static readonly SocketFileAccess Unchanged = new(null, null);
}
