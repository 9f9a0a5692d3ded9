using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Privileges;

/// <summary>
/// Turns <c>USER[:GROUP]</c> into ids with the system's user and group database (getpwnam,
/// getgrnam: <c>/etc/passwd</c>, <c>/etc/group</c>, or whatever NSS is set up to ask). A value made
/// of digits only is taken as a numeric id, so ids without an entry work too.
/// </summary>
/// <remarks>The lookups are not thread-safe; they run once, while the command line is read.</remarks>
public static class UserDatabase
{
    private const string Syntax = "write USER or USER:GROUP, e.g. nobody or nobody:nogroup (names or numeric ids)";

    /// <summary>
    /// For <c>--user</c>: the user, and the group given or else the user's primary group. Root
    /// (uid 0) is refused: running as root keeps every privilege, which is what --user is meant to
    /// drop; so is group root (gid 0), given or primary.
    /// </summary>
    public static bool TryResolveRunAs(string spec, [NotNullWhen(true)] out RunAsUser? user, [NotNullWhen(false)] out string? error)
    {
        user = null;
        var (userText, groupText) = Split(spec);
        if (userText.Length == 0 || groupText is { Length: 0 })
        {
            error = $"{(userText.Length == 0 ? "the user" : "the group after ':'")} is missing; {Syntax}";
            return false;
        }

        if (!TryFindUser(userText, out uint userId, out uint? primaryGroup, out error))
        {
            return false;
        }

        uint groupId;
        if (groupText is not null)
        {
            if (!TryFindGroup(groupText, out groupId, out error))
            {
                return false;
            }
        }
        else if (primaryGroup is { } primary)
        {
            groupId = primary;
        }
        else
        {
            error = $"user id {userId} has no entry in the user database, so it has no primary group; give the group too, e.g. {userId}:{userId}";
            return false;
        }

        if (userId == 0)
        {
            error = $"'{userText}' is root (uid 0), which keeps every privilege; give an unprivileged user such as nobody";
            return false;
        }

        if (groupId == 0)
        {
            // Group root owns much of /etc, /dev and /run: a bridge that faces a sandbox must not keep it.
            error = $"'{spec}' runs with group root (gid 0), which can read and write root's group files; give an unprivileged group, e.g. {userText}:nogroup";
            return false;
        }

        user = new RunAsUser(userId, groupId, spec);
        return true;
    }

    /// <summary>For <c>--unix-owner</c>, as <c>chown(1)</c> takes it: USER (group unchanged), USER:GROUP, or :GROUP (user unchanged).</summary>
    public static bool TryResolveOwner(string spec, [NotNullWhen(true)] out FileOwner? owner, [NotNullWhen(false)] out string? error)
    {
        owner = null;
        var (userText, groupText) = Split(spec);
        if ((userText.Length == 0 && groupText is null or { Length: 0 }) || groupText is { Length: 0 })
        {
            error = "write USER, USER:GROUP or :GROUP, e.g. www-data:www-data or :www-data (names or numeric ids)";
            return false;
        }

        uint? userId = null;
        if (userText.Length > 0)
        {
            if (!TryFindUser(userText, out uint id, out _, out error))
            {
                return false;
            }

            userId = id;
        }

        uint? groupId = null;
        if (groupText is not null)
        {
            if (!TryFindGroup(groupText, out uint id, out error))
            {
                return false;
            }

            groupId = id;
        }

        owner = new FileOwner(userId, groupId, spec);
        error = null;
        return true;
    }

    private static (string User, string? Group) Split(string spec)
    {
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (spec, null) : (spec[..colon], spec[(colon + 1)..]);
    }

    private static unsafe bool TryFindUser(string text, out uint userId, out uint? primaryGroup, [NotNullWhen(false)] out string? error)
    {
        primaryGroup = null;
        Libc.Passwd* entry;
        if (IsNumber(text))
        {
            if (!TryParseId(text, out userId))
            {
                error = $"user id {text} is out of range";
                return false;
            }

            entry = Libc.GetPwUid(userId);
        }
        else
        {
            Marshal.SetLastPInvokeError(0);
            entry = Libc.GetPwNam(text);
            if (entry is null)
            {
                userId = 0;
                error = NotFound("user", text, Marshal.GetLastPInvokeError(), "getent passwd");
                return false;
            }

            userId = entry->UserId;
        }

        if (entry is not null)
        {
            primaryGroup = entry->GroupId;
        }

        error = null;
        return true;
    }

    private static unsafe bool TryFindGroup(string text, out uint groupId, [NotNullWhen(false)] out string? error)
    {
        if (IsNumber(text))
        {
            error = TryParseId(text, out groupId) ? null : $"group id {text} is out of range";
            return error is null;
        }

        Marshal.SetLastPInvokeError(0);
        Libc.Group* entry = Libc.GetGrNam(text);
        if (entry is null)
        {
            groupId = 0;
            error = NotFound("group", text, Marshal.GetLastPInvokeError(), "getent group");
            return false;
        }

        groupId = entry->GroupId;
        error = null;
        return true;
    }

    // getpwnam(3): "0 or ENOENT or ESRCH or EBADF or EPERM or ...: the given name was not found".
    private static string NotFound(string kind, string name, int errno, string listCommand) =>
        errno is 0 or (int)Errno.ENOENT or (int)Errno.ESRCH or (int)Errno.EBADF or (int)Errno.EPERM
            ? $"no {kind} named '{name}' ({listCommand} lists them; a number is taken as an id)"
            : $"cannot look up {kind} '{name}': {Marshal.GetPInvokeErrorMessage(errno)}";

    private static bool IsNumber(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);

    // (uid_t)-1 and (gid_t)-1 mean "leave unchanged" to chown and the set*id calls: never an id.
    private static bool TryParseId(string text, out uint id) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id != uint.MaxValue;
}
