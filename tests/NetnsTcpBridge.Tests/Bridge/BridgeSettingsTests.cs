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
        Assert.False(Single(Address, Target).IsOneShot);
        Assert.False(Single(new ListenSource.ListeningDescriptor(3), Target).IsOneShot);
        Assert.True(Single(new ListenSource.PreacceptedDescriptor(3), Target).IsOneShot);
        Assert.True(Single(Address, new ConnectTarget.ConnectedDescriptor(4)).IsOneShot);
        Assert.True(Single(new ListenSource.PreacceptedDescriptor(3), new ConnectTarget.ConnectedDescriptor(4)).IsOneShot);
    }

    [Fact]
    public void IsSingleForward_OnlyForOneUnnamedRule()
    {
        Assert.True(Single(Address, Target).IsSingleForward);
        Assert.False(new BridgeSettings([new ForwardRule("web", Address, Target, null, null)]).IsSingleForward);
    }

    [Fact]
    public void Relay_DefaultsToSpliceOneLoopPerCoreAndTenSecondConnectTimeout()
    {
        var relay = Single(Address, Target).Relay;

        Assert.Equal(TimeSpan.FromSeconds(10), relay.ConnectTimeout);
        Assert.Equal(CopyMethod.Splice, relay.CopyMethod);
        Assert.Equal(Environment.ProcessorCount, relay.Threads);
        Assert.Equal(RelayOptions.DefaultPipeSize, relay.PipeSize);
        Assert.Null(relay.KeepAlive);
        Assert.Empty(relay.Routes); // each connector's routes come from the rules
    }

    [Fact]
    public void Settings_CompareByValue()
    {
        var a = new BridgeSettings([new ForwardRule(null, Address, Target, new NamespaceReference.File("/run/netns/a"), new NamespaceReference.Descriptor(5))]);
        var b = new BridgeSettings(
        [
            new ForwardRule(
                null,
                new ListenSource.Address(new IPEndPoint(IPAddress.Loopback, 1)),
                new ConnectTarget.Address(new IPEndPoint(IPAddress.Loopback, 2)),
                new NamespaceReference.File("/run/netns/a"),
                new NamespaceReference.Descriptor(5)),
        ]);

        Assert.Equal(a, b);
        Assert.NotEqual(a, b with { Rules = [.. b.Rules, b.Rules[0] with { Name = "second" }] });
        Assert.NotEqual(a, b with { Relay = new RelayOptions { ConnectTimeout = TimeSpan.FromSeconds(1) } });
    }

    private static BridgeSettings Single(ListenSource listen, ConnectTarget connect) => new([new ForwardRule(null, listen, connect, null, null)]);
}
