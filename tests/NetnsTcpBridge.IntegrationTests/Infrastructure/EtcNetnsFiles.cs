namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// <c>/etc/netns/NAME/</c> for a test namespace, with the files a test writes there (hosts,
/// resolv.conf), as `ip netns exec NAME` would bind-mount them. The namespace names are unique,
/// so is the directory; Dispose removes it.
/// </summary>
public sealed class EtcNetnsFiles : IDisposable
{
    public EtcNetnsFiles(TestNamespace ns)
    {
        DirectoryPath = $"/etc/netns/{ns.Name}";
        Directory.CreateDirectory(DirectoryPath);
    }

    public string DirectoryPath { get; }

    public string ResolvConfPath => $"{DirectoryPath}/resolv.conf";

    public EtcNetnsFiles Write(string fileName, string text)
    {
        File.WriteAllText($"{DirectoryPath}/{fileName}", text);
        return this;
    }

    public void Dispose()
    {
        if (Directory.Exists(DirectoryPath))
        {
            Directory.Delete(DirectoryPath, recursive: true);
        }
    }
}
