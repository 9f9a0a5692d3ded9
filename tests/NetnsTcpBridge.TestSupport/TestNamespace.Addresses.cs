namespace NetnsTcpBridge.TestSupport;

// Extra addresses on lo, so that a client, the bridge and a server in one namespace are told apart.
public sealed partial class TestNamespace
{
    /// <summary>Adds <paramref name="address"/> (e.g. 10.200.0.2 or fd00:200::2) to lo, usable at once (no duplicate address detection).</summary>
    public void AddLoopbackAddress(string address)
    {
        bool v6 = address.Contains(':', StringComparison.Ordinal);
        if (v6)
        {
            Ip("-n", Name, "-6", "addr", "add", $"{address}/128", "dev", "lo", "nodad");
        }
        else
        {
            Ip("-n", Name, "addr", "add", $"{address}/32", "dev", "lo");
        }
    }
}
