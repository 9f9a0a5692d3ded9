using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>Many clients at once, each with its own payload, every byte checked.</summary>
public sealed class ConcurrencyTests : IntegrationTest
{
    private const int Clients = 200;

    public ConcurrencyTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceTheory]
    [InlineData("splice")]
    [InlineData("buffered")]
    public Task TwoHundredConcurrentClients_EveryPayloadEchoedByteForByte(string copyMethod) => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath, "--copy", copyMethod]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        var clients = listenSide.CreateSockets(AddressFamily.InterNetwork, Clients);
        foreach (var client in clients)
        {
            Track(client);
        }

        var random = new Random(Clients);
        int[] lengths = [.. Enumerable.Range(0, Clients).Select(_ => random.Next(64 * 1024, (256 * 1024) + 1))];
        var exchanges = clients.Select(async (client, index) =>
        {
            byte[] payload = SocketIo.Payload(1000 + index, lengths[index]);
            await client.ConnectAsync(Loopback(8000));
            byte[] echoed = await client.EchoRoundTripAsync(payload);
            return (Index: index, Sent: payload, Echoed: echoed);
        }).ToArray();
        var results = await Task.WhenAll(exchanges);

        var wrong = results.Where(r => !r.Sent.AsSpan().SequenceEqual(r.Echoed)).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {Clients} clients got other bytes back, e.g. client {wrong.FirstOrDefault().Index}: "
            + $"sent {wrong.FirstOrDefault().Sent?.Length} bytes, got {wrong.FirstOrDefault().Echoed?.Length}; {bridge.Describe()}");
        Assert.Equal(Clients, server.AcceptedCount);
        Assert.False(bridge.HasExited, bridge.Describe());
    }, TimeSpan.FromSeconds(90));
}
