using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>
/// Entry point when the test assembly is run as a program (<c>dotnet NetnsTcpBridge.Reliability.dll
/// echo-server 127.0.0.1:9000</c>, started by <see cref="EchoServerProcess"/> inside a namespace):
/// an echo server in its own process, for scenarios where the test process cannot hold both the
/// clients' and the servers' descriptors under one RLIMIT_NOFILE.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["echo-server", string endpoint])
        {
            return EchoHost.Run(IPEndPoint.Parse(endpoint));
        }

        Console.Error.WriteLine("usage: NetnsTcpBridge.Reliability echo-server IP:PORT (a helper of the reliability suite; its tests start it)");
        return 2;
    }
}

/// <summary>
/// The out-of-process echo server. Prints "ready" once listening; on stdin, the line "count"
/// is answered with "open=N accepted=M"; end of stdin (the test process is gone) ends it.
/// </summary>
internal static class EchoHost
{
    private static int s_open;
    private static int s_accepted;

    public static int Run(IPEndPoint endpoint)
    {
        _ = Native.RaiseDescriptorLimit();
        using var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(endpoint);
        listener.Listen(4096);
        _ = Task.Run(() => AcceptLoopAsync(listener));
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        while (Console.In.ReadLine() is { } command)
        {
            if (command == "count")
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"open={Volatile.Read(ref s_open)} accepted={Volatile.Read(ref s_accepted)}"));
                Console.Out.Flush();
            }
        }

        return 0;
    }

    private static async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            var connection = await listener.AcceptAsync().ConfigureAwait(false);
            Interlocked.Increment(ref s_accepted);
            Interlocked.Increment(ref s_open);
            _ = Task.Run(() => EchoAsync(connection));
        }
    }

    private static async Task EchoAsync(Socket connection)
    {
        try
        {
            // Small buffers: ten thousand connections at once.
            await EchoServer.EchoUntilEndAsync(connection, new byte[4096]).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The peer reset: nothing to echo any more.
        }
        finally
        {
            connection.Dispose();
            Interlocked.Decrement(ref s_open);
        }
    }
}
