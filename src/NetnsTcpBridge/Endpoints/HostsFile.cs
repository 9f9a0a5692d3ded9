using System.Net;

namespace NetnsTcpBridge.Endpoints;

/// <summary>Reads an /etc/hosts-format file: "ADDRESS NAME [ALIASES...]" lines, '#' comments.</summary>
internal static class HostsFile
{
    /// <summary>The addresses listed for <paramref name="host"/>, in file order; empty when the file or the name is absent.</summary>
    public static IReadOnlyList<IPAddress> Lookup(string path, string host)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var found = new List<IPAddress>();
        foreach (string rawLine in File.ReadLines(path))
        {
            int comment = rawLine.IndexOf('#', StringComparison.Ordinal);
            string[] fields = (comment >= 0 ? rawLine[..comment] : rawLine)
                .Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2
                && fields.Skip(1).Any(name => string.Equals(name, host, StringComparison.OrdinalIgnoreCase))
                && IPAddress.TryParse(fields[0], out var address))
            {
                found.Add(address);
            }
        }

        return found;
    }
}
