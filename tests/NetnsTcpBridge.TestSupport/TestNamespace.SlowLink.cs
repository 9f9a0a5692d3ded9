namespace NetnsTcpBridge.TestSupport;

// A link that takes datagrams far more slowly than a socket can send them.
public sealed partial class TestNamespace
{
    /// <summary>
    /// A veth link whose own end is <paramref name="localAddress"/>/30 and which leaves at 8 kbit/s
    /// (tbf with a queue of 10 MB), with a fixed neighbour entry for <paramref name="peerAddress"/>.
    /// Datagrams to the peer wait in the queue, still charged to the socket that sent them, so its
    /// send buffer fills and the next send fails with EAGAIN; loopback traffic is not affected.
    /// </summary>
    public void AddSlowLink(string localAddress, string peerAddress)
    {
        Ip("-n", Name, "link", "add", "slow0", "type", "veth", "peer", "name", "slow1");
        Ip("-n", Name, "addr", "add", $"{localAddress}/30", "dev", "slow0");
        Ip("-n", Name, "link", "set", "slow1", "up");
        Ip("-n", Name, "link", "set", "slow0", "up");
        Ip("-n", Name, "neigh", "replace", peerAddress, "lladdr", "02:00:00:00:00:02", "dev", "slow0", "nud", "permanent");
        var tc = ExternalProcess.Run(IpTimeout, "tc", "-n", Name, "qdisc", "replace", "dev", "slow0", "root", "tbf", "rate", "8kbit", "burst", "1600", "limit", "10000000");
        if (tc.ExitCode != 0)
        {
            throw new InvalidOperationException(tc.ToString());
        }
    }
}
