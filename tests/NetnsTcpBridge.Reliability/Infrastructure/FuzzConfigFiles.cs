using System.Text;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>
/// --config files for the command-line fuzzer, written to a directory of their own and deleted in
/// Dispose. Each file's name says what it holds, so that a failing case can be read and replayed
/// (the contents are fixed here).
/// </summary>
public sealed class FuzzConfigFiles : IDisposable
{
    /// <summary>
    /// Well-formed, but every rule names a netns that cannot be used: the bridge must exit 1. Rule
    /// names start with "cfg-", which no generated --rule uses, and no rule has an accept-proxy key
    /// (so that --accept-proxy alone decides whether they read a PROXY header).
    /// </summary>
    private static readonly (string Name, string Text)[] UsableContents =
    [
        ("one-rule", "# one forward\n[cfg-web]\nlisten = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\n"),
        ("two-rules-spaced",
            "; two forwards, loosely written\n\n  [ cfg-a ]  \n  listen=[::1]:8001\nconnect =  10.1.2.3:80 \nlisten-netns = /nonexistent-ntbr/ns\n\n"
            + "[cfg-b]\nlisten = 127.0.0.1:8002\nconnect = 127.0.0.1:9000\nconnect-netns = pid:2147483647\nproxy-protocol = v2\ndual-stack = No\n"),
        ("netns-file", "[cfg-c]\nlisten = 0.0.0.0:65535\nconnect = [::1]:9\nlisten-netns = /dev/null\nproxy-protocol = v1\n"),
    ];

    /// <summary>Each with exactly one defect the parser must refuse: the bridge must exit 2.</summary>
    private static readonly (string Name, string Text)[] MalformedContents =
    [
        ("key-before-header", "listen = 127.0.0.1:8000\n[cfg-web]\nconnect = 127.0.0.1:9000\n"),
        ("header-not-closed", "[cfg-web\nlisten = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\n"),
        ("bad-section-name", "[a b]\nlisten = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\n"),
        ("section-twice", "[cfg-web]\nlisten = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\n[cfg-web]\nlisten = 127.0.0.1:8001\nconnect = 127.0.0.1:9000\n"),
        ("unknown-key", "[cfg-web]\nlisten = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\nfrobnicate = 1\n"),
        ("no-connect", "[cfg-web]\nlisten = 127.0.0.1:8000\nconnect-netns = ntbr-absent-fuzz\n"),
        ("comments-only", "# nothing but comments\n; and blank lines\n\n"),
        ("empty", ""),
        ("line-without-equals", "[cfg-web]\nlisten 127.0.0.1:8000\nconnect = 127.0.0.1:9000\n"),
        ("listen-port-zero", "[cfg-web]\nlisten = 127.0.0.1:0\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\n"),
        ("key-twice", "[cfg-web]\nlisten = 127.0.0.1:8000\nlisten = 127.0.0.1:8001\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\n"),
        ("bad-yes-no", "[cfg-web]\nlisten = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\ndual-stack = maybe\n"),
        ("bad-netns", "[cfg-web]\nlisten = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\nconnect-netns = pid:abc\n"),
        ("unix-owner-on-tcp", "[cfg-web]\nlisten = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\nconnect-netns = ntbr-absent-fuzz\nunix-owner = nobody\n"),
    ];

    private readonly string _directory;

    public FuzzConfigFiles()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"ntbr-fuzz-config-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        Usable = [.. UsableContents.Select(file => Write("usable-" + file.Name, Encoding.UTF8.GetBytes(file.Text)))];

        // A section name that is not UTF-8 (0xff) joins the malformed ones.
        Malformed = [.. MalformedContents.Select(file => Write("malformed-" + file.Name, Encoding.UTF8.GetBytes(file.Text))),
            Write("malformed-not-utf8-name", [(byte)'[', (byte)'w', 0xff, (byte)']', (byte)'\n', .. "listen = 127.0.0.1:8000\nconnect = 127.0.0.1:9000\n"u8])];
    }

    /// <summary>Paths of well-formed files whose rules cannot start (exit 1).</summary>
    public IReadOnlyList<string> Usable { get; }

    /// <summary>Paths of files with one defect each (exit 2).</summary>
    public IReadOnlyList<string> Malformed { get; }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, byte[] contents)
    {
        string path = Path.Combine(_directory, name + ".conf");
        File.WriteAllBytes(path, contents);
        return path;
    }
}
