using System.Buffers.Binary;
using System.Net;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>
/// Reads the answer to one query: checks that it answers that query, then collects the addresses
/// of the type asked for, following CNAMEs from the name asked for (RFC 1034 3.6.2).
/// </summary>
/// <remarks>
/// Everything is bounds-checked against the message; any inconsistency makes the whole answer
/// <see cref="DnsReply.Malformed"/>, never an exception. Authority and additional sections are
/// not needed and not read.
/// </remarks>
internal static class DnsAnswerParser
{
    /// <summary>More CNAME hops than this is treated as a loop.</summary>
    private const int MaxCnameHops = 16;

    private readonly record struct Record(string Owner, DnsRecordType Type, int DataOffset, int DataLength);

    public static DnsReply Parse(ReadOnlySpan<byte> message, ushort id, string name, DnsRecordType type)
    {
        if (message.Length < DnsWire.HeaderLength)
        {
            return new DnsReply.Malformed($"{message.Length} bytes, shorter than a header");
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if (BinaryPrimitives.ReadUInt16BigEndian(message) != id)
        {
            return new DnsReply.NotOurs("another query id");
        }

        if ((flags & DnsWire.FlagQR) == 0 || (flags & DnsWire.OpcodeMask) != 0)
        {
            return new DnsReply.NotOurs("not the response to a standard query");
        }

        if ((flags & DnsWire.FlagTC) != 0)
        {
            return new DnsReply.Truncated();
        }

        int rcode = flags & DnsWire.RcodeMask;
        if (rcode is not (DnsWire.NOERROR or DnsWire.NXDOMAIN))
        {
            return new DnsReply.ServerError(rcode); // such answers often omit the question
        }

        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        if (questions != 1)
        {
            return new DnsReply.Malformed($"{questions} questions instead of 1");
        }

        if (!DnsNameReader.TryRead(message, DnsWire.HeaderLength, out string questionName, out int position, out string? error))
        {
            return new DnsReply.Malformed(error);
        }

        if (position + 4 > message.Length)
        {
            return new DnsReply.Malformed("the question runs past the end of the message");
        }

        string asked = Canonical(name);
        if (questionName != asked
            || BinaryPrimitives.ReadUInt16BigEndian(message[position..]) != (ushort)type
            || BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]) != DnsWire.ClassIN)
        {
            return new DnsReply.NotOurs("another question");
        }

        if (rcode == DnsWire.NXDOMAIN)
        {
            return new DnsReply.NoSuchName();
        }

        var records = new List<Record>();
        position += 4;
        for (int i = 0; i < answers; i++)
        {
            if (!DnsNameReader.TryRead(message, position, out string owner, out position, out error))
            {
                return new DnsReply.Malformed(error);
            }

            if (position + 10 > message.Length)
            {
                return new DnsReply.Malformed("a record runs past the end of the message");
            }

            var recordType = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            ushort recordClass = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
            int dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
            int dataOffset = position + 10;
            if (dataOffset + dataLength > message.Length)
            {
                return new DnsReply.Malformed("a record's data runs past the end of the message");
            }

            if (recordClass == DnsWire.ClassIN)
            {
                records.Add(new Record(owner, recordType, dataOffset, dataLength));
            }

            position = dataOffset + dataLength;
        }

        return FollowChain(message, records, asked, type);
    }

    /// <summary>Lower case, no trailing dot: the form <see cref="DnsNameReader"/> produces.</summary>
    public static string Canonical(string name) => name.TrimEnd('.').ToLowerInvariant();

    private static DnsReply FollowChain(ReadOnlySpan<byte> message, List<Record> records, string asked, DnsRecordType type)
    {
        string current = asked;
        for (int hop = 0; hop <= MaxCnameHops; hop++)
        {
            var addresses = new List<IPAddress>();
            foreach (var record in records)
            {
                if (record.Owner != current || record.Type != type)
                {
                    continue;
                }

                int expected = type == DnsRecordType.A ? 4 : 16;
                if (record.DataLength != expected)
                {
                    return new DnsReply.Malformed($"{type} record of {record.DataLength} bytes instead of {expected}");
                }

                addresses.Add(new IPAddress(message.Slice(record.DataOffset, record.DataLength)));
            }

            if (addresses.Count > 0)
            {
                return new DnsReply.Addresses(addresses);
            }

            int alias = records.FindIndex(r => r.Owner == current && r.Type == DnsRecordType.CNAME);
            if (alias < 0)
            {
                return new DnsReply.NoData(); // includes a chain the server did not follow to its end
            }

            var cname = records[alias];
            if (!DnsNameReader.TryRead(message, cname.DataOffset, out current, out int end, out string? error))
            {
                return new DnsReply.Malformed(error);
            }

            if (end != cname.DataOffset + cname.DataLength)
            {
                return new DnsReply.Malformed("a CNAME's name does not fill its record");
            }
        }

        return new DnsReply.Malformed($"a CNAME chain longer than {MaxCnameHops} (a loop?)");
    }
}
