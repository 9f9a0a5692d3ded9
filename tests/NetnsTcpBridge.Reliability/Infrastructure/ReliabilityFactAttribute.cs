namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>
/// A reliability scenario: runs only when the suite is asked for (<c>NTB_RELIABILITY=full|ci</c>,
/// which ./reliability.sh sets) and as root (it creates network namespaces). Otherwise it is
/// reported as skipped, with the reason, never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ReliabilityFactAttribute : FactAttribute
{
    public ReliabilityFactAttribute()
    {
        Skip = SkipReason;
    }

    public static string? SkipReason =>
        Profile.Name is null
            ? $"reliability suite: long-running; run ./reliability.sh (or set {Profile.EnvironmentVariable}=full or ci)"
            : Native.GetEuid() != 0
                ? "needs root (creates network namespaces with 'ip netns add' and calls setns); run ./reliability.sh as root"
                : null;
}

/// <summary>The <see cref="TheoryAttribute"/> counterpart of <see cref="ReliabilityFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ReliabilityTheoryAttribute : TheoryAttribute
{
    public ReliabilityTheoryAttribute()
    {
        Skip = ReliabilityFactAttribute.SkipReason;
    }
}
