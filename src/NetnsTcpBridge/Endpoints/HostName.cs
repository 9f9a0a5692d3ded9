using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace NetnsTcpBridge.Endpoints;

/// <summary>The <c>host:port</c> syntax for a connect target named by host name.</summary>
public static class HostName
{
    /// <summary>
    /// Parses <c>name:port</c> where name is a DNS host name (RFC 1123 labels: letters, digits,
    /// hyphens). Addresses are not host names: they go through <see cref="TcpAddress"/>.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out string? host, out int port)
    {
        host = null;
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        string written = text[..colon];
        string name = written.EndsWith('.') ? written[..^1] : written; // a trailing dot makes the name absolute (no search list)
        string portText = text[(colon + 1)..];
        if (!portText.All(char.IsAsciiDigit) || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        string[] labels = name.Split('.');
        bool valid = name.Length <= 253
            && labels.All(label => label.Length is >= 1 and <= 63
                && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                && label[0] != '-' && label[^1] != '-')
            && !labels[^1].All(char.IsAsciiDigit); // "1.2.3.4" and "127.1" are addresses, not names
        host = valid ? written : null;
        return valid;
    }
}
