using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// A tiny authoritative nameserver of the test process, on UDP (and optionally TCP) port 53 of an
/// address inside a test namespace. It answers A and AAAA questions from a fixed table, NXDOMAIN
/// for names not in it, and can answer chosen names truncated (TC) over UDP so that the client
/// must ask again over TCP. Every question it receives is recorded. Dispose closes its sockets.
/// </summary>
public sealed class DnsResponder : IDisposable
{
    private const ushort TypeA = 1;
    private const ushort TypeAaaa = 28;

    private readonly Socket _udp;
    private readonly Socket? _tcp;
    private readonly IReadOnlyDictionary<string, IPAddress[]> _records;
    private readonly IReadOnlySet<string> _truncatedOverUdp;
    private readonly bool _silent;
    private readonly ConcurrentQueue<string> _questions = new();
    private readonly CancellationTokenSource _stop = new();

    private DnsResponder(Socket udp, Socket? tcp, IReadOnlyDictionary<string, IPAddress[]> records, IReadOnlySet<string> truncatedOverUdp, bool silent)
    {
        _silent = silent;
        _udp = udp;
        _tcp = tcp;
        _records = records;
        _truncatedOverUdp = truncatedOverUdp;
        _ = Task.Run(ServeUdpAsync);
        if (_tcp is not null)
        {
            _ = Task.Run(ServeTcpAsync);
        }
    }

    /// <summary>Questions received so far, as "udp A backend.test" or "tcp AAAA backend.test".</summary>
    public IReadOnlyCollection<string> Questions => _questions;

    /// <summary>
    /// Answers on <paramref name="address"/>:53 inside <paramref name="ns"/>. <paramref name="records"/>
    /// maps a name (lower case, no trailing dot) to its addresses, IPv4 and IPv6 mixed.
    /// </summary>
    public static DnsResponder Start(TestNamespace ns, IPAddress address, IReadOnlyDictionary<string, IPAddress[]> records, IReadOnlySet<string>? truncatedOverUdp = null, bool withTcp = false) =>
        Start(ns, address, records, truncatedOverUdp ?? new HashSet<string>(), withTcp, silent: false);

    /// <summary>A UDP socket on <paramref name="address"/>:53 in <paramref name="ns"/> that reads questions and never answers.</summary>
    public static DnsResponder StartSilent(TestNamespace ns, IPAddress address) =>
        Start(ns, address, new Dictionary<string, IPAddress[]>(), new HashSet<string>(), withTcp: false, silent: true);

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp?.Dispose();
        _stop.Dispose();
    }

    private static DnsResponder Start(TestNamespace ns, IPAddress address, IReadOnlyDictionary<string, IPAddress[]> records, IReadOnlySet<string> truncatedOverUdp, bool withTcp, bool silent)
    {
        var endpoint = new IPEndPoint(address, 53);
        var (udp, tcp) = ns.Enter(() => (
            new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp),
            withTcp ? new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) : null));
        try
        {
            udp.Bind(endpoint);
            tcp?.Bind(endpoint);
            tcp?.Listen(16);
        }
        catch
        {
            udp.Dispose();
            tcp?.Dispose();
            throw;
        }

        return new DnsResponder(udp, tcp, records, truncatedOverUdp, silent);
    }

    private async Task ServeUdpAsync()
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), _stop.Token);
                if (TryReadQuestion(buffer.AsSpan(0, received.ReceivedBytes), out var question))
                {
                    _questions.Enqueue($"udp {TypeName(question.Type)} {question.Name}");
                    if (_silent)
                    {
                        continue;
                    }

                    byte[] answer = Answer(question, truncated: _truncatedOverUdp.Contains(question.Name));
                    await _udp.SendToAsync(answer, received.RemoteEndPoint, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped by Dispose.
        }
    }

    private async Task ServeTcpAsync()
    {
        try
        {
            while (true)
            {
                using var connection = await _tcp!.AcceptAsync(_stop.Token);
                await AnswerOverTcpAsync(connection);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped by Dispose.
        }
    }

    // Every query on the connection until the client closes it (glibc sends A and AAAA on one).
    private async Task AnswerOverTcpAsync(Socket connection)
    {
        try
        {
            while (true)
            {
                byte[] length = new byte[2];
                await ReceiveExactlyAsync(connection, length);
                byte[] message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                await ReceiveExactlyAsync(connection, message);
                if (!TryReadQuestion(message, out var question))
                {
                    return;
                }

                _questions.Enqueue($"tcp {TypeName(question.Type)} {question.Name}");
                byte[] answer = Answer(question, truncated: false);
                byte[] framed = new byte[answer.Length + 2];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                answer.CopyTo(framed, 2);
                await connection.SendAsync(framed, SocketFlags.None, _stop.Token);
            }
        }
        catch (SocketException)
        {
            // The client closed the connection: on to the next one.
        }
    }

    private async Task ReceiveExactlyAsync(Socket connection, byte[] buffer)
    {
        for (int filled = 0; filled < buffer.Length;)
        {
            int count = await connection.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token);
            filled += count > 0 ? count : throw new SocketException((int)SocketError.ConnectionReset);
        }
    }

    // Header, the question copied, then one record per address of the type asked for, each owner a
    // compression pointer to the question's name at offset 12.
    private byte[] Answer(Question question, bool truncated)
    {
        bool known = _records.TryGetValue(question.Name, out var addresses);
        var matching = truncated ? [] : (addresses ?? []).Where(a => a.AddressFamily == (question.Type == TypeAaaa ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)).ToList();
        var bytes = new List<byte>();
        void UInt16(int value) => bytes.AddRange([(byte)(value >> 8), (byte)value]);

        UInt16(question.Id);
        UInt16(0x8000 | 0x0400 | 0x0100 | 0x0080 | (truncated ? 0x0200 : 0) | (known ? 0 : 3)); // QR AA RD RA [TC] rcode
        UInt16(1);
        UInt16(matching.Count);
        UInt16(0);
        UInt16(0);
        bytes.AddRange(question.Encoded);
        foreach (var address in matching)
        {
            bytes.AddRange([0xC0, 12]);
            UInt16(question.Type);
            UInt16(1);
            bytes.AddRange([0, 0, 0, 60]);
            byte[] data = address.GetAddressBytes();
            UInt16(data.Length);
            bytes.AddRange(data);
        }

        return [.. bytes];
    }

    private static bool TryReadQuestion(ReadOnlySpan<byte> message, out Question question)
    {
        question = default;
        if (message.Length < 17)
        {
            return false;
        }

        var name = new StringBuilder();
        int position = 12;
        while (position < message.Length && message[position] != 0)
        {
            int length = message[position];
            if (length > 63 || position + 1 + length >= message.Length)
            {
                return false;
            }

            name.Append(name.Length > 0 ? "." : string.Empty).Append(Encoding.ASCII.GetString(message.Slice(position + 1, length)));
            position += 1 + length;
        }

        if (position + 5 > message.Length)
        {
            return false;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 1)..]);
        question = new Question(BinaryPrimitives.ReadUInt16BigEndian(message), name.ToString().ToLowerInvariant(), type, message[12..(position + 5)].ToArray());
        return true;
    }

    private static string TypeName(ushort type) => type switch
    {
        TypeA => "A",
        TypeAaaa => "AAAA",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private readonly record struct Question(ushort Id, string Name, ushort Type, byte[] Encoded);
}
