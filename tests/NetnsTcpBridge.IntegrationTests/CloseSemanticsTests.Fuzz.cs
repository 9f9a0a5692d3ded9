using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// Random scripts for both peers at once: runs of data and urgent bytes in any order, each side
/// ending with a FIN or a reset, run on a direct connection and through the bridge. What the kernel
/// makes certain on a direct connection must hold through the bridge as well: a peer that does not
/// reset reads every byte the other sent, in order, then EOF after a FIN or ECONNRESET after a
/// reset; and an urgent mark is only ever seen where an urgent byte was sent.
/// </summary>
/// <remarks>
/// Which urgent marks survive is up to timing even on a direct connection (TCP keeps only the
/// latest urgent pointer), so marks are checked for place, not number. A peer that resets waits
/// first until the other side acknowledged all it wrote (as an application must, for its last
/// bytes to count); what it read before its own reset is not compared.
/// </remarks>
public sealed partial class CloseSemanticsTests
{
    private const int FuzzScripts = 25;

    [NamespaceTheory]
    [InlineData("splice", 1)]
    [InlineData("buffered", 2)]
    public Task RandomDataUrgentBytesFinAndResetOnBothSides_EachPeerObservesWhatADirectConnectionGuarantees(string copyMethod, int seed) => WithTimeout(async () =>
    {
        var bench = await SetUpAsync(copyMethod, Target.Listening);
        var random = new Random(seed);
        for (int script = 0; script < FuzzScripts; script++)
        {
            var client = PeerPlan.Random(random);
            var server = PeerPlan.Random(random);
            var expected = new ConnectionObservation(client.ObservationOf(server), server.ObservationOf(client));
            Output.WriteLine($"script {script}: client {client}; server {server}");
            foreach (var route in new[] { bench.Direct, bench.Bridged })
            {
                var observed = await RunAsync(bench, route, client.RunAsync(server, PeerTimeout), server.RunAsync(client, PeerTimeout), KeepUrgentDataInline);
                Assert.True(observed == expected, $"{route.Name}, script {script} (seed {seed}): client {client}; server {server}\n  expected {expected}\n  observed {observed}");
            }
        }

        Assert.False(bench.Bridge.HasExited, bench.Bridge.Describe());
    });

    /// <summary>What one peer writes (data runs and single urgent bytes, in order) and how it ends.</summary>
    private sealed record PeerPlan(IReadOnlyList<byte[]> Runs, IReadOnlyList<bool> Urgent, bool EndsWithReset)
    {
        /// <summary>Everything this peer writes, urgent bytes in place (the reader has SO_OOBINLINE).</summary>
        public byte[] Stream => [.. Runs.SelectMany(run => run)];

        /// <summary>Offsets in <see cref="Stream"/> of the urgent bytes.</summary>
        public HashSet<int> UrgentOffsets
        {
            get
            {
                var offsets = new HashSet<int>();
                int offset = 0;
                for (int i = 0; i < Runs.Count; i++)
                {
                    if (Urgent[i])
                    {
                        offsets.Add(offset);
                    }

                    offset += Runs[i].Length;
                }

                return offsets;
            }
        }

        public static PeerPlan Random(Random random)
        {
            var runs = new List<byte[]>();
            var urgent = new List<bool>();
            for (int i = random.Next(0, 7); i > 0; i--)
            {
                bool isUrgent = random.Next(4) == 0;
                int length = isUrgent ? 1 : random.Next(3) == 0 ? random.Next(1, 100) : random.Next(1, 100_000);
                byte[] run = new byte[length];
                random.NextBytes(run);
                runs.Add(run);
                urgent.Add(isUrgent);
            }

            return new PeerPlan(runs, urgent, EndsWithReset: random.Next(5) == 0);
        }

        /// <summary>What this peer must observe of <paramref name="other"/>'s writing.</summary>
        public PeerObservation ObservationOf(PeerPlan other) => EndsWithReset
            ? new("(not compared: it reset)", "-")
            : new(PeerProbe.DescribeBytes(other.Stream), other.EndsWithReset ? "ECONNRESET" : "EOF");

        public PeerScript RunAsync(PeerPlan other, TimeSpan timeout) => async socket =>
        {
            using var stopReading = new CancellationTokenSource();
            var reading = Task.Run(() => socket.ReadUntilEndMarkingUrgentAsync(timeout, stopReading.Token));
            // The kernel reports a reset once, to whichever call comes first: a write that took it
            // means the reader will see EOF instead, so the reset counts as the reading's end.
            string wrote = "ok";
            for (int i = 0; i < Runs.Count && wrote == "ok"; i++)
            {
                wrote = await socket.TrySendAllAsync(Runs[i], timeout, Urgent[i] ? Native.MSG_OOB : 0);
            }

            if (EndsWithReset)
            {
                await socket.WaitUntilSentOrResetAsync(timeout);
                await stopReading.CancelAsync();
                await reading;
                socket.Reset();
                return ObservationOf(other);
            }

            string shutdown = socket.TryShutdownSend();
            var (bytes, marks, ending) = await reading;
            if (ending == "EOF" && (wrote == "ECONNRESET" || shutdown == "ECONNRESET"))
            {
                ending = "ECONNRESET";
            }

            var urgentOffsets = other.UrgentOffsets;
            var misplaced = marks.Where(mark => !urgentOffsets.Contains(mark)).ToList();
            string received = PeerProbe.DescribeBytes(bytes) + (misplaced.Count == 0 ? string.Empty : $", urgent mark where no urgent byte was sent, at {string.Join(", ", misplaced)}");
            return new(received, ending);
        };

        public override string ToString() =>
            $"[{string.Join(" ", Runs.Select((run, i) => Urgent[i] ? "OOB" : run.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)))}] then {(EndsWithReset ? "RST" : "FIN")}";
    }
}
