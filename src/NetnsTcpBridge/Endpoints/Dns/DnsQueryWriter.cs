using System.Buffers.Binary;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>Writes a standard query: one question, recursion desired, no EDNS0 (RFC 1035 4.1).</summary>
internal static class DnsQueryWriter
{
    /// <summary>The query message, or null when <paramref name="name"/> cannot be a DNS name (too long, empty label, not ASCII).</summary>
    public static byte[]? Write(ushort id, string name, DnsRecordType type)
    {
        byte[]? encodedName = EncodeName(name);
        if (encodedName is null)
        {
            return null;
        }

        byte[] message = new byte[DnsWire.HeaderLength + encodedName.Length + 4];
        var span = message.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span[0..], id);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], DnsWire.FlagRD);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1); // QDCOUNT; AN, NS and AR counts stay 0
        encodedName.CopyTo(span[DnsWire.HeaderLength..]);
        int tail = DnsWire.HeaderLength + encodedName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[tail..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(tail + 2)..], DnsWire.ClassIN);
        return message;
    }

    /// <summary>"www.example" as length-prefixed labels ending with the root's zero byte; one trailing dot is allowed.</summary>
    public static byte[]? EncodeName(string name)
    {
        string relative = name.EndsWith('.') ? name[..^1] : name;
        if (relative.Length == 0)
        {
            return null;
        }

        var encoded = new List<byte>(relative.Length + 2);
        foreach (string label in relative.Split('.'))
        {
            if (label.Length is 0 or > DnsWire.MaxLabelLength || !label.All(char.IsAscii))
            {
                return null;
            }

            encoded.Add((byte)label.Length);
            encoded.AddRange(label.Select(c => (byte)c));
        }

        encoded.Add(0);
        return encoded.Count <= DnsWire.MaxNameLength ? [.. encoded] : null;
    }
}
