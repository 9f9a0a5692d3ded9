using NetnsTcpBridge.Privileges;
using Xunit;

namespace NetnsTcpBridge.Tests.Privileges;

/// <summary>Looking up USER[:GROUP] in the system's database (Debian's nobody 65534, nogroup 65534, daemon 1).</summary>
public class UserDatabaseTests
{
    [Theory]
    [InlineData("nobody", 65534u, 65534u)]
    [InlineData("daemon", 1u, 1u)]
    [InlineData("daemon:nogroup", 1u, 65534u)]
    [InlineData("65534", 65534u, 65534u)]
    [InlineData("70000:70001", 70000u, 70001u)]
    public void RunAs_ResolvesUserAndGroup(string spec, uint userId, uint groupId)
    {
        Assert.True(UserDatabase.TryResolveRunAs(spec, out var user, out string? error), error);
        Assert.Equal(new RunAsUser(userId, groupId, spec), user);
    }

    [Theory]
    [InlineData("root")]
    [InlineData("0:65534")]
    public void RunAs_Root_IsRefused(string spec)
    {
        Assert.False(UserDatabase.TryResolveRunAs(spec, out _, out string? error));
        Assert.Contains("uid 0", error, StringComparison.Ordinal);
    }

    /// <summary>Group root, by name or number: it would keep root's group files writable.</summary>
    [Theory]
    [InlineData("nobody:root")]
    [InlineData("65534:0")]
    public void RunAs_GroupRoot_IsRefused(string spec)
    {
        Assert.False(UserDatabase.TryResolveRunAs(spec, out _, out string? error));
        Assert.Contains("gid 0", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(":", "the user is missing")]
    [InlineData("nobody::", "no group named ':'")]
    [InlineData("no body", "no user named 'no body'")]
    public void RunAs_Malformed_SaysWhy(string spec, string expected)
    {
        Assert.False(UserDatabase.TryResolveRunAs(spec, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nobody", 65534u, null)]
    [InlineData(":nogroup", null, 65534u)]
    [InlineData("daemon:daemon", 1u, 1u)]
    [InlineData("0", 0u, null)]
    public void Owner_LeavesWhatIsNotGiven(string spec, uint? userId, uint? groupId)
    {
        Assert.True(UserDatabase.TryResolveOwner(spec, out var owner, out string? error), error);
        Assert.Equal(new FileOwner(userId, groupId, spec), owner);
    }
}
