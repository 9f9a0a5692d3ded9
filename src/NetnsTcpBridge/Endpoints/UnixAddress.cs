using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;

namespace NetnsTcpBridge.Endpoints;

/// <summary>
/// UNIX stream socket addresses: <c>unix:/path/to.sock</c> for a file, <c>unix:@name</c> for an
/// abstract name. Abstract names belong to a network namespace, like ports do, so a bridge can
/// carry one from one namespace into another.
/// </summary>
public static class UnixAddress
{
    public const string Prefix = "unix:";

    /// <summary>The most a sockaddr_un path holds, its terminating NUL aside.</summary>
    private const int MaxPathBytes = Interop.Libc.UNIX_PATH_MAX - 1;

    public static bool IsUnix(string text) => text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Parses <c>unix:/path</c> or <c>unix:@name</c>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out UnixDomainSocketEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        string name = text[Prefix.Length..];
        bool isAbstract = name.StartsWith('@');
        if (name.Length == 0 || (isAbstract && name.Length == 1))
        {
            error = "the socket name is missing; write unix:/path/to.sock or unix:@abstract-name";
            return false;
        }

        if (!isAbstract && !name.StartsWith('/'))
        {
            error = "a socket path must be absolute (unix:/path), or an abstract name must start with @ (unix:@name)";
            return false;
        }

        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxPathBytes || name.Contains('\0', StringComparison.Ordinal))
        {
            error = $"the socket name is longer than {MaxPathBytes} bytes or holds a NUL";
            return false;
        }

        // The parts tell each other addresses one per line; no real socket name needs a line break.
        if (name.Contains('\n', StringComparison.Ordinal) || name.Contains('\r', StringComparison.Ordinal))
        {
            error = "the socket name holds a line break";
            return false;
        }

        // .NET spells an abstract address as a path that starts with NUL.
        endpoint = new UnixDomainSocketEndPoint(isAbstract ? "\0" + name[1..] : name);
        error = null;
        return true;
    }

    /// <summary>The file path of a path socket, or null for an abstract one.</summary>
    public static string? FilePath(UnixDomainSocketEndPoint endpoint)
    {
        string text = endpoint.ToString();
        return text.StartsWith('/') ? text : null;
    }

    /// <summary>Formats as users write it: unix:/path or unix:@name.</summary>
    public static string Format(UnixDomainSocketEndPoint endpoint)
    {
        string text = endpoint.ToString();
        return Prefix + (text.StartsWith('\0') ? "@" + text[1..] : text);
    }
}
