using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>Reads a possibly compressed name from a DNS message (RFC 1035 4.1.4), refusing anything that could loop.</summary>
internal static class DnsNameReader
{
    /// <summary>
    /// Reads the name at <paramref name="offset"/>. On success <paramref name="next"/> is the offset
    /// just after the name as written there (after its first pointer, if any) and the name is in
    /// lower case without a trailing dot ("" for the root). On failure <paramref name="error"/> says why.
    /// </summary>
    /// <remarks>
    /// A pointer must point before itself and before every pointer already followed for this
    /// name, so the jumps go strictly backwards and always end; the 255-byte limit on the
    /// expanded name bounds the work as well.
    /// </remarks>
    public static bool TryRead(ReadOnlySpan<byte> message, int offset, out string name, out int next, [NotNullWhen(false)] out string? error)
    {
        var text = new StringBuilder();
        int position = offset;
        int lowestJump = offset;
        int expandedLength = 1; // the root's zero byte
        next = -1;
        name = string.Empty;
        while (true)
        {
            if (position >= message.Length)
            {
                error = "a name runs past the end of the message";
                return false;
            }

            byte lengthOrPointer = message[position];
            switch (lengthOrPointer & 0xC0)
            {
                case 0x00 when lengthOrPointer == 0:
                    if (next < 0)
                    {
                        next = position + 1;
                    }

                    name = text.ToString();
                    error = null;
                    return true;

                case 0x00:
                    int labelLength = lengthOrPointer;
                    expandedLength += labelLength + 1;
                    if (expandedLength > DnsWire.MaxNameLength)
                    {
                        error = "a name is longer than 255 bytes";
                        return false;
                    }

                    if (position + 1 + labelLength > message.Length)
                    {
                        error = "a name runs past the end of the message";
                        return false;
                    }

                    if (text.Length > 0)
                    {
                        text.Append('.');
                    }

                    foreach (byte b in message.Slice(position + 1, labelLength))
                    {
                        text.Append(char.ToLowerInvariant((char)b));
                    }

                    position += 1 + labelLength;
                    break;

                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        error = "a compression pointer runs past the end of the message";
                        return false;
                    }

                    int target = ((lengthOrPointer & 0x3F) << 8) | message[position + 1];
                    if (target >= lowestJump || target >= position)
                    {
                        error = "a compression pointer does not point backwards (it could loop)";
                        return false;
                    }

                    if (next < 0)
                    {
                        next = position + 2;
                    }

                    lowestJump = target;
                    position = target;
                    break;

                default:
                    error = $"a name has an unknown label type 0x{lengthOrPointer:x2}";
                    return false;
            }
        }
    }
}
