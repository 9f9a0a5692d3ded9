using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Bridge;

public class BridgeSettingsTests
{
    private static readonly ListenSource Address = new ListenSource.Address(new IPEndPoint(IPAddress.Loopback, 1));
    private static readonly ConnectTarget Target = new ConnectTarget.Address(new IPEndPoint(IPAddress.Loopback, 2));

    [Fact]
    public void IsOneShot_OnlyForPreacceptedClientOrConnectedTarget()
    {
        Assert.False(new BridgeSettings(Address, Target, null, null).IsOneShot);
        Assert.False(new BridgeSettings(new ListenSource.ListeningDescriptor(3), Target, null, null).IsOneShot);
        Assert.True(new BridgeSettings(new ListenSource.PreacceptedDescriptor(3), Target, null, null).IsOneShot);
        Assert.True(new BridgeSettings(Address, new ConnectTarget.ConnectedDescriptor(4), null, null).IsOneShot);
        Assert.True(new BridgeSettings(new ListenSource.PreacceptedDescriptor(3), new ConnectTarget.ConnectedDescriptor(4), null, null).IsOneShot);
    }

    [Fact]
    public void Relay_DefaultsToSpliceOneLoopPerCoreAndTenSecondConnectTimeout()
    {
        var relay = new BridgeSettings(Address, Target, null, null).Relay;

        Assert.Equal(TimeSpan.FromSeconds(10), relay.ConnectTimeout);
        Assert.Equal(CopyMethod.Splice, relay.CopyMethod);
        Assert.Equal(Environment.ProcessorCount, relay.Threads);
        Assert.Equal(RelayOptions.DefaultPipeSize, relay.PipeSize);
        Assert.Null(relay.KeepAlive);
        Assert.Null(relay.Target);
    }

    [Fact]
    public void Settings_CompareByValue()
    {
        var a = new BridgeSettings(Address, Target, new NamespaceReference.File("/run/netns/a"), new NamespaceReference.Descriptor(5));
        var b = new BridgeSettings(
            new ListenSource.Address(new IPEndPoint(IPAddress.Loopback, 1)),
            new ConnectTarget.Address(new IPEndPoint(IPAddress.Loopback, 2)),
            new NamespaceReference.File("/run/netns/a"),
            new NamespaceReference.Descriptor(5));

        Assert.Equal(a, b);
        Assert.NotEqual(a, b with { Relay = new RelayOptions { ConnectTimeout = TimeSpan.FromSeconds(1) } });
    }
}
