using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.TestSupport;

// UDP sockets in the namespace, and waiting for the bridge to have bound one.
public sealed partial class TestNamespace
{
    /// <summary>A new UDP socket that lives in this namespace.</summary>
    public Socket CreateUdpSocket(AddressFamily family) =>
        Enter(() => new Socket(family, SocketType.Dgram, ProtocolType.Udp));

    /// <summary>A UDP socket in this namespace, connected to <paramref name="endpoint"/> (so it takes datagrams from there only).</summary>
    public Socket ConnectUdp(IPEndPoint endpoint, IPEndPoint? bindTo = null)
    {
        var socket = CreateUdpSocket(endpoint.AddressFamily);
        try
        {
            if (bindTo is not null)
            {
                socket.Bind(bindTo);
            }

            socket.Connect(endpoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>True when some UDP socket in this namespace is bound to <paramref name="port"/> (any address).</summary>
    public bool HasUdpSocket(int port) => Enter(() =>
        HasUdpSocketIn("/proc/thread-self/net/udp", port) || HasUdpSocketIn("/proc/thread-self/net/udp6", port));

    /// <summary>Polls until a UDP socket is bound to <paramref name="port"/> here; fails early when <paramref name="bridge"/> exits first.</summary>
    public async Task WaitForUdpSocketAsync(int port, BridgeProcess bridge)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!HasUdpSocket(port))
        {
            if (bridge.HasExited)
            {
                throw new InvalidOperationException($"the bridge exited before binding UDP port {port} in netns {Name}: {bridge.Describe()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no UDP socket on port {port} in netns {Name} after 10 s: {bridge.Describe()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private static bool HasUdpSocketIn(string table, int port)
    {
        string wanted = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines(table).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Length > 2 && fields[1].EndsWith(wanted, StringComparison.Ordinal) && fields[2].EndsWith(":0000", StringComparison.Ordinal));
    }
}
