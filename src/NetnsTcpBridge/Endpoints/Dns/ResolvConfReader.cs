using System.Globalization;
using System.Net;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>
/// Reads resolv.conf the way resolv.conf(5) describes and glibc does: <c>nameserver</c> (IPv4 or
/// IPv6, at most three, in order), <c>domain</c> and <c>search</c> (the last of them wins),
/// <c>options ndots:N timeout:N attempts:N</c>.
/// </summary>
/// <remarks>
/// A keyword starts the line and is followed by a space or a tab; a line starting with '#' or ';'
/// is a comment. Other keywords (<c>sortlist</c>) and other options (<c>rotate</c>, <c>edns0</c>,
/// <c>use-vc</c>, <c>single-request</c>, <c>no-aaaa</c>, ...) are read and ignored. The LOCALDOMAIN
/// and RES_OPTIONS environment variables are ignored too.
/// </remarks>
internal static class ResolvConfReader
{
    /// <summary>Reads <paramref name="path"/>; null when the file does not exist.</summary>
    public static ResolverConfig? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = Directory.Exists(path) ? "it is a directory" : FileReadError.Describe(e);
            throw new BridgeException($"cannot read {path}: {why}", e);
        }

        return Parse(text, path, HostNameOfThisSystem());
    }

    // What gethostname(2) returns: the UTS namespace's name. Read from /proc rather than through
    // System.Net.Dns, which would bring its name-resolution machinery into the executable.
    private static string HostNameOfThisSystem()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/hostname").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty; // no name: no default search domain
        }
    }

    /// <summary>
    /// Parses the text of a resolv.conf. <paramref name="hostName"/> gives the search domain when the
    /// file names none: everything after its first dot, as resolv.conf(5) says.
    /// </summary>
    public static ResolverConfig Parse(string text, string source, string hostName)
    {
        var nameservers = new List<IPEndPoint>();
        List<string>? search = null;
        int ndots = ResolverConfig.DefaultNdots;
        int timeout = ResolverConfig.DefaultTimeoutSeconds;
        int attempts = ResolverConfig.DefaultAttempts;
        var ignored = new List<string>();

        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            string[] words = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || line[0] is ' ' or '\t')
            {
                continue; // a keyword without a value, or one not at the start of its line
            }

            switch (words[0])
            {
                case "nameserver":
                    if (nameservers.Count < ResolverConfig.MaxNameservers && IPAddress.TryParse(words[1], out var address))
                    {
                        nameservers.Add(new IPEndPoint(address, ResolverConfig.Port));
                    }

                    break;
                case "domain":
                    search = words[1] == "." ? [] : [words[1]];
                    break;
                case "search":
                    search = [.. words.Skip(1)];
                    break;
                case "options":
                    foreach (string option in words.Skip(1))
                    {
                        if (!TryApplyOption(option, ref ndots, ref timeout, ref attempts))
                        {
                            ignored.Add($"options {option}");
                        }
                    }

                    break;
                default:
                    ignored.Add(words[0]);
                    break;
            }
        }

        if (nameservers.Count == 0)
        {
            nameservers.Add(new IPEndPoint(IPAddress.Loopback, ResolverConfig.Port)); // resolv.conf(5): "the name server on the local machine"
        }

        search ??= DomainOf(hostName);
        return new ResolverConfig(source, nameservers, search, ndots, TimeSpan.FromSeconds(timeout), attempts, ignored);
    }

    private static bool TryApplyOption(string option, ref int ndots, ref int timeout, ref int attempts)
    {
        int colon = option.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(option.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
        {
            return false;
        }

        switch (option[..colon])
        {
            case "ndots":
                ndots = Math.Min(value, ResolverConfig.MaxNdots);
                return true;
            case "timeout":
                timeout = Math.Clamp(value, 1, ResolverConfig.MaxTimeoutSeconds);
                return true;
            case "attempts":
                attempts = Math.Clamp(value, 1, ResolverConfig.MaxAttempts);
                return true;
            default:
                return false;
        }
    }

    private static List<string> DomainOf(string hostName)
    {
        int dot = hostName.IndexOf('.', StringComparison.Ordinal);
        return dot >= 0 && dot < hostName.Length - 1 ? [hostName[(dot + 1)..]] : [];
    }
}
