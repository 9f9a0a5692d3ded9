namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// A test that creates network namespaces and enters them: it needs root. When not root it is
/// reported as skipped, with the reason, never as passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class NamespaceFactAttribute : FactAttribute
{
    public const string NotRootReason =
        "needs root (creates network namespaces with 'ip netns add' and calls setns); run the suite as root, as CI does";

    public NamespaceFactAttribute()
    {
        if (!IsRoot)
        {
            Skip = NotRootReason;
        }
    }

    public static bool IsRoot => Native.GetEuid() == 0;
}

/// <summary>The <see cref="TheoryAttribute"/> counterpart of <see cref="NamespaceFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class NamespaceTheoryAttribute : TheoryAttribute
{
    public NamespaceTheoryAttribute()
    {
        if (!NamespaceFactAttribute.IsRoot)
        {
            Skip = NamespaceFactAttribute.NotRootReason;
        }
    }
}
