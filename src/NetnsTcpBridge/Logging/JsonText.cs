using System.Text;

namespace NetnsTcpBridge.Logging;

/// <summary>
/// JSON string literals written by hand: the library must stay AOT-compatible, so no
/// reflection-based serializer, and a log line needs no more than strings and numbers.
/// </summary>
public static class JsonText
{
    /// <summary>
    /// Appends <paramref name="value"/> as a JSON string literal, quotes included. Escapes what
    /// RFC 8259 requires (quote, backslash, U+0000..U+001F) plus DEL and U+2028/U+2029 (line
    /// breaks to JavaScript), and replaces a lone surrogate with U+FFFD, since it cannot be encoded
    /// as UTF-8 and a strict parser would reject the whole line. Other characters are kept as they are.
    /// </summary>
    public static void AppendString(StringBuilder text, ReadOnlySpan<char> value)
    {
        ArgumentNullException.ThrowIfNull(text);
        text.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case < ' ' or '\u007f' or '\u2028' or '\u2029':
                    text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case >= '\ud800' and <= '\udbff' when i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]):
                    text.Append(c).Append(value[i + 1]);
                    i++;
                    break;
                case >= '\ud800' and <= '\udfff':
                    text.Append('\ufffd');
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }

    /// <summary><paramref name="value"/> as a JSON string literal.</summary>
    public static string Quote(ReadOnlySpan<char> value)
    {
        var text = new StringBuilder(value.Length + 2);
        AppendString(text, value);
        return text.ToString();
    }
}
