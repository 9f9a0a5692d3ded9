using System.Diagnostics;
using NetnsTcpBridge.Systemd;
using Xunit;

namespace NetnsTcpBridge.Tests.Systemd;

/// <summary>Journald detection against a real file, its identity read independently with stat(1).</summary>
public sealed class JournalTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();
    private readonly FileStream _file;

    public JournalTests()
    {
        _file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite);
    }

    private int Fd => (int)_file.SafeFileHandle.DangerousGetHandle();

    [Fact]
    public void Matches_WhenTheVariableNamesTheDescriptorsDeviceAndInode()
    {
        Assert.True(Journal.Matches(StatOf(_path), Fd));
    }

    [Fact]
    public void DoesNotMatch_AnotherFile()
    {
        string other = Path.GetTempFileName();
        try
        {
            Assert.False(Journal.Matches(StatOf(other), Fd));
        }
        finally
        {
            File.Delete(other);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData(":12")]
    [InlineData("12:")]
    [InlineData("a:b")]
    [InlineData("-1:-1")]
    [InlineData("1:2:3")]
    public void DoesNotMatch_AMissingOrMalformedVariable(string? variable)
    {
        Assert.False(Journal.Matches(variable, Fd));
    }

    [Fact]
    public void DoesNotMatch_AClosedDescriptor()
    {
        Assert.False(Journal.Matches(StatOf(_path), fd: 987_654));
    }

    public void Dispose()
    {
        _file.Dispose();
        File.Delete(_path);
    }

    // "%d:%i" is exactly how systemd writes JOURNAL_STREAM: st_dev and st_ino in decimal.
    private static string StatOf(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%d:%i", path]) { RedirectStandardOutput = true })!;
        string output = stat.StandardOutput.ReadToEnd().Trim();
        Assert.True(stat.WaitForExit(10_000));
        Assert.Equal(0, stat.ExitCode);
        return output;
    }
}
