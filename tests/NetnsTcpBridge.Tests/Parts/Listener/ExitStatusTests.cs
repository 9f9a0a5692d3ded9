using NetnsTcpBridge.Parts.Listener;
using Xunit;

namespace NetnsTcpBridge.Tests.Parts.Listener;

public class ExitStatusTests
{
    // The Linux encoding of a waitpid status: exit code in bits 8-15, else the terminating
    // signal in bits 0-6 with bit 7 set when a core was dumped.
    private static int Exited(int code) => (code & 0xff) << 8;

    private static int Killed(int signal, bool coreDumped = false) => signal | (coreDumped ? 0x80 : 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(42)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(255)]
    public void NormalExit_GivesTheCode(int code)
    {
        var status = ExitStatus.FromWaitStatus(Exited(code));

        Assert.Equal(new ExitStatus(code, 0), status);
        Assert.Equal(code, status.ShellCode);
        Assert.Equal($"exit status {code}", status.ToString());
    }

    [Theory]
    [InlineData(1)]  // SIGHUP
    [InlineData(2)]  // SIGINT
    [InlineData(6)]  // SIGABRT
    [InlineData(9)]  // SIGKILL
    [InlineData(11)] // SIGSEGV
    [InlineData(15)] // SIGTERM
    [InlineData(64)] // SIGRTMAX
    public void KilledBySignal_GivesTheSignalAndShellCode128PlusSignal(int signal)
    {
        var status = ExitStatus.FromWaitStatus(Killed(signal));

        Assert.Equal(new ExitStatus(0, signal), status);
        Assert.Equal(128 + signal, status.ShellCode);
        Assert.Equal($"killed by signal {signal}", status.ToString());
    }

    [Theory]
    [InlineData(6)]
    [InlineData(11)]
    public void CoreDumpFlag_DoesNotChangeTheSignal(int signal)
    {
        var status = ExitStatus.FromWaitStatus(Killed(signal, coreDumped: true));

        Assert.Equal(signal, status.Signal);
        Assert.Equal(128 + signal, status.ShellCode);
    }

    [Fact]
    public void ShellCode_MatchesWhatTheShellReports()
    {
        Assert.Equal(0, ExitStatus.FromWaitStatus(0x0000).ShellCode);
        Assert.Equal(3, ExitStatus.FromWaitStatus(0x0300).ShellCode);
        Assert.Equal(137, ExitStatus.FromWaitStatus(0x0009).ShellCode);
        Assert.Equal(143, ExitStatus.FromWaitStatus(0x000f).ShellCode);
        Assert.Equal(134, ExitStatus.FromWaitStatus(0x0086).ShellCode);
    }
}
