using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>The original tool's README scenario, end to end, with curl as the client.</summary>
public sealed class OriginalScenarioTests : IntegrationTest
{
    public OriginalScenarioTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task ReadmeScenario_CurlInIsolatedNetnsGetsPageOfServerInOtherNetns() => WithTimeout(async () =>
    {
        var isolated = CreateNamespace();
        var serverSide = CreateNamespace();
        Assert.Equal(["lo"], isolated.InterfaceNames());
        string page = $"hello from netns {serverSide} ({Guid.NewGuid()})";
        Track(HttpServer.Start(serverSide, Loopback(8080), page));
        var sleeper = await StartSleeperAsync(isolated);

        var bridge = StartBridge(["-l", "127.0.0.1:80", "-f", $"/proc/{sleeper.Pid}/ns/net", "-c", "127.0.0.1:8080", "-t", serverSide.FilePath]);
        await isolated.WaitForListenerAsync(80, bridge);

        var curl = await ExternalProcess.RunAsync(StepTimeout, "ip", "netns", "exec", isolated.Name,
            "curl", "--silent", "--show-error", "--noproxy", "*", "--max-time", "10", "http://127.0.0.1/");

        Assert.True(curl.ExitCode == 0, $"{curl}; bridge: {bridge.Describe()}");
        Assert.Equal(page, curl.Stdout);
        Assert.False(bridge.HasExited, $"the bridge must keep serving: {bridge.Describe()}");
    });
}
