using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>A flood of log lines while stderr is a pipe that nobody reads: relaying goes on.</summary>
public sealed partial class LogFloodTests : ReliabilityTest
{
    private const int O_NONBLOCK = 0x800;
    private const string GoodHeader = "PROXY TCP4 192.0.2.1 192.0.2.2 1000 2000\r\n";

    public LogFloodTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// The bridge's stderr is a FIFO that the test holds open but never reads, so it is full after
    /// 64 KiB. With -v every connection writes a close line, and clients with bad PROXY headers
    /// bring warnings: thousands of lines. An echo through the bridge must go on working; once
    /// stderr is read again, the bridge says how many lines it dropped.
    /// </summary>
    [ReliabilityFact]
    public Task StderrNeverRead_FloodOfLogLines_RelayingGoesOn() => WithTimeout(TimeSpan.FromMinutes(3), async () =>
    {
        var figures = new Figures(Output, "bounds: log flood into an unread stderr");
        int flood = Profile.Setting("NTB_LOG_FLOOD", 3000, 3000);
        string directory = Directory.CreateTempSubdirectory("ntbr-stderr-").FullName;
        string fifo = Path.Combine(directory, "stderr");
        Track(new DeleteDirectory(directory));
        Assert.True(MakeFifo(fifo, 0x180) == 0, $"mkfifo {fifo}: {Marshal.GetLastPInvokeError()}");

        // Read-write, so that the bridge's open for writing does not wait for a reader; never read
        // until the end.
        int held = Native.Open(fifo, Native.O_RDWR | O_NONBLOCK | Native.O_CLOEXEC, 0);
        Assert.True(held >= 0, $"open {fifo}: {Native.LastError()}");
        Track(new CloseFd(held));

        var relay = await StartRelayAsync(["-v", "--accept-proxy", "--accept-proxy-timeout", "2"], launcher: ["sh", "-c", "exec \"$@\" 2>\"$0\"", fifo]);
        StartEchoServer(relay.ConnectSide, Relay.Target);
        await EchoAsync(relay, 0);

        var clock = Stopwatch.StartNew();
        int bad = 0;
        for (int start = 0; start < flood; start += 500)
        {
            using var group = SocketGroup.Create(relay.ListenSide, Math.Min(500, flood - start));
            await Task.WhenAll(group.Sockets.Select(async (socket, index) =>
            {
                await socket.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
                if (index % 2 == 0)
                {
                    // A bad header: a warning, a reset, a close line.
                    await socket.SendAllAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
                    Interlocked.Increment(ref bad);
                    _ = await Outcome.ReadToEndingAsync(socket).WaitAsync(StepTimeout);
                }
                else
                {
                    await socket.SendAllAsync(Encoding.ASCII.GetBytes(GoodHeader + "x"));
                    socket.Shutdown(SocketShutdown.Send);
                    _ = await Outcome.ReadToEndingAsync(socket).WaitAsync(StepTimeout);
                }
            }));
        }

        var floodTime = clock.Elapsed;
        long pending = FifoBytes(held);

        // stderr is full and nobody reads it: every echo must still be served, promptly.
        var echoes = Stopwatch.StartNew();
        for (int i = 1; i <= 20; i++)
        {
            await EchoAsync(relay, i).WaitAsync(TimeSpan.FromSeconds(10));
        }

        var echoTime = echoes.Elapsed;
        Assert.False(relay.Bridge.HasExited, relay.Bridge.Describe());

        // Read stderr again: the queued lines come out, then how many were dropped.
        string text = await DrainAsync(held, TimeSpan.FromSeconds(3));
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int warnings = lines.Count(l => l.Contains("warning: ", StringComparison.Ordinal) && l.Contains("bad PROXY header", StringComparison.Ordinal));
        string? dropped = lines.FirstOrDefault(l => l.Contains("dropped", StringComparison.Ordinal));
        figures.Add("offered", $"{flood} connections in {Figures.Seconds(floodTime)} with -v, {bad} of them with a bad PROXY header; stderr a FIFO nobody reads ({pending} bytes in it, full)");
        figures.Add("served meanwhile", $"20 of 20 echoes in {Figures.Seconds(echoTime)} while stderr was full");
        figures.Add("lines once read", $"{lines.Length} lines, {warnings} bad-header warnings (at most {20} per 10 s, and the later ones say how many were left out); \"{dropped ?? "no drop line"}\"");
        Assert.NotNull(dropped);

        // The bad headers came in well under 10 s: one burst of warnings at most (a second
        // window may have begun during the flood).
        Assert.True(warnings <= 2 * 20, $"{warnings} bad-header warnings for {bad} bad headers; at most 20 every 10 s expected");
    });

    private static async Task EchoAsync(Relay relay, int seed)
    {
        using var client = await relay.ListenSide.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
        byte[] payload = SocketIo.Payload(seed, 20_000);
        byte[] echoed = await client.EchoRoundTripAsync([.. Encoding.ASCII.GetBytes(GoodHeader), .. payload]);
        SocketIo.AssertSameBytes(payload, echoed, $"echo {seed} through the bridge while its stderr is not read");
    }

    private static unsafe long FifoBytes(int fd)
    {
        int count = 0;
        return Native.IoctlInt(fd, Native.SIOCINQ, &count) == 0 ? count : -1;
    }

    /// <summary>Reads the FIFO until it has stayed empty for a while, or <paramref name="limit"/> has passed.</summary>
    private static async Task<string> DrainAsync(int fd, TimeSpan limit)
    {
        var text = new StringBuilder();
        byte[] buffer = new byte[64 * 1024];
        var deadline = DateTime.UtcNow + limit;
        int quiet = 0;
        while (DateTime.UtcNow < deadline && quiet < 10)
        {
            int count = Read(fd, buffer);
            if (count > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, count));
                quiet = 0;
            }
            else
            {
                quiet++;
                await Task.Delay(100);
            }
        }

        return text.ToString();
    }

    private static unsafe int Read(int fd, byte[] buffer)
    {
        fixed (byte* pointer = buffer)
        {
            return (int)ReadNative(fd, pointer, (nuint)buffer.Length);
        }
    }

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadNative(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    private sealed class CloseFd(int fd) : IDisposable
    {
        public void Dispose() => _ = Native.Close(fd);
    }

    private sealed class DeleteDirectory(string path) : IDisposable
    {
        public void Dispose() => Directory.Delete(path, recursive: true);
    }
}
