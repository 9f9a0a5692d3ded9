using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace NetnsTcpBridge.Tests.Endpoints.Dns;

/// <summary>
/// Writes DNS answers byte by byte for the parser tests, so that each test can also write the
/// broken ones (bad pointers, short data) a real server might send.
/// </summary>
internal sealed class DnsMessageBuilder
{
    public const ushort QR = 0x8000;
    public const ushort RD = 0x0100;
    public const ushort RA = 0x0080;
    public const ushort TC = 0x0200;

    /// <summary>Offset of the question's name: the answer records point there with 0xC00C.</summary>
    public const int QuestionNameOffset = 12;

    private readonly List<byte> _bytes = [];

    /// <summary>Starts a response: id, flags (QR RD RA plus <paramref name="extraFlags"/>), rcode and the four counts.</summary>
    public DnsMessageBuilder(ushort id, int rcode = 0, int questions = 1, int answers = 0, ushort extraFlags = 0)
    {
        UInt16(id);
        UInt16((ushort)(QR | RD | RA | extraFlags | rcode));
        UInt16((ushort)questions);
        UInt16((ushort)answers);
        UInt16(0);
        UInt16(0);
    }

    public int Length => _bytes.Count;

    public DnsMessageBuilder Question(string name, ushort type, ushort klass = 1) => Name(name).UInt16(type).UInt16(klass);

    /// <summary>A record with <paramref name="owner"/> written out in labels.</summary>
    public DnsMessageBuilder Record(string owner, ushort type, byte[] data) => Name(owner).RecordTail(type, data);

    /// <summary>A record whose owner is a compression pointer to <paramref name="ownerOffset"/>.</summary>
    public DnsMessageBuilder RecordAt(int ownerOffset, ushort type, byte[] data) => Pointer(ownerOffset).RecordTail(type, data);

    public DnsMessageBuilder A(string owner, string address) => Record(owner, 1, IPAddress.Parse(address).GetAddressBytes());

    public DnsMessageBuilder Aaaa(string owner, string address) => Record(owner, 28, IPAddress.Parse(address).GetAddressBytes());

    public DnsMessageBuilder Cname(string owner, string target) => Record(owner, 5, EncodeName(target));

    /// <summary>Labels of <paramref name="name"/>, then the root's zero byte.</summary>
    public DnsMessageBuilder Name(string name)
    {
        _bytes.AddRange(EncodeName(name));
        return this;
    }

    public DnsMessageBuilder Pointer(int offset) => Bytes((byte)(0xC0 | (offset >> 8)), (byte)offset);

    public DnsMessageBuilder UInt16(ushort value) => Bytes((byte)(value >> 8), (byte)value);

    public DnsMessageBuilder Bytes(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    public static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (string label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    /// <summary>Type, class IN, TTL, data length and data: what follows a record's owner name.</summary>
    public DnsMessageBuilder RecordTail(ushort type, byte[] data)
    {
        UInt16(type).UInt16(1);
        byte[] ttl = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(ttl, 300);
        return Bytes(ttl).UInt16((ushort)data.Length).Bytes(data);
    }
}
