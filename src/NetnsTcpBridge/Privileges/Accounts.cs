namespace NetnsTcpBridge.Privileges;

/// <summary>The user and group every part switches to (<c>--user</c>), resolved to ids when the bridge starts.</summary>
/// <param name="Name">How the user wrote it, for messages.</param>
public sealed record RunAsUser(uint UserId, uint GroupId, string Name)
{
    public override string ToString() => $"{Name} (uid {UserId}, gid {GroupId})";
}

/// <summary>
/// A new owner for a file (<c>--unix-owner</c>), resolved to ids; a null id is left as it is, as
/// <c>chown(1)</c> does.
/// </summary>
/// <param name="Name">How the user wrote it, for messages.</param>
public sealed record FileOwner(uint? UserId, uint? GroupId, string Name);
