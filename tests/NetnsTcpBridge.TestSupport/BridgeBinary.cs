namespace NetnsTcpBridge.TestSupport;

/// <summary>Finds the native executable under test.</summary>
internal static class BridgeBinary
{
    public const string EnvironmentVariable = "NETNS_TCP_BRIDGE_BIN";

    private static readonly Lazy<string> Located = new(Locate);

    /// <summary>
    /// The path from <c>NETNS_TCP_BRIDGE_BIN</c>, else <c>artifacts/bin/netns_tcp_bridge</c> under the
    /// repository root. Throws (the test fails, it is not skipped) when the file is not there.
    /// </summary>
    public static string Path => Located.Value;

    private static string Locate()
    {
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? System.IO.Path.GetFullPath(configured)
                : throw new FileNotFoundException(
                    $"{EnvironmentVariable}={configured} does not exist; run ./build.sh at the repository root to build artifacts/bin/netns_tcp_bridge", configured);
        }

        string? root = FindRepositoryRoot();
        if (root is null)
        {
            throw new FileNotFoundException(
                $"cannot find the repository root (the folder holding NetnsTcpBridge.slnx) above {AppContext.BaseDirectory}; set {EnvironmentVariable} or run ./build.sh");
        }

        string path = System.IO.Path.Combine(root, "artifacts", "bin", "netns_tcp_bridge");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"the bridge executable {path} is missing: run ./build.sh at the repository root first (or set {EnvironmentVariable})", path);
    }

    private static string? FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "NetnsTcpBridge.slnx")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
