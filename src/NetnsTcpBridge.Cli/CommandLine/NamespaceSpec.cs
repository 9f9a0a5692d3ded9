using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NetnsTcpBridge.Bridge;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>
/// The one-word way to name a network namespace (<c>--listen-netns</c>, <c>--connect-netns</c>):
/// <c>pid:PID</c> for a process, a value with a <c>/</c> for a file, anything else for an
/// <c>ip netns</c> name. A name never contains a slash, so the three never overlap. Any of them may
/// end with <c>=net:[INODE]</c>, the namespace it must lead to (as <c>readlink /proc/PID/ns/net</c>
/// shows it), so that a name, path or PID that has come to mean another namespace is refused.
/// </summary>
internal static class NamespaceSpec
{
    private const string PidPrefix = "pid:";

    /// <summary>What comes before the expected namespace, e.g. pid:4242=net:[4026532281].</summary>
    private const string InodeSeparator = "=net:";

    public static NamespaceReference Parse(string spec, OptionDefinition option) => Parse(spec, option.Spellings);

    /// <param name="what">Where the value was given, for messages: an option, or a rule's key.</param>
    public static NamespaceReference Parse(string spec, string what) =>
        TryParse(spec, out var reference, out string? expected)
            ? reference
            : throw new UsageException($"invalid value '{spec}' for {what}: {expected}");

    /// <summary>The syntax alone; on failure <paramref name="expected"/> says what was expected, without quoting the value.</summary>
    public static bool TryParse(string spec, [NotNullWhen(true)] out NamespaceReference? reference, [NotNullWhen(false)] out string? expected)
    {
        (reference, expected) = (null, null);
        int separator = spec.LastIndexOf(InodeSeparator, StringComparison.Ordinal);
        if (separator < 0)
        {
            return TryParseNamespace(spec, out reference, out expected);
        }

        string inode = spec[(separator + InodeSeparator.Length)..];
        if (inode.Length < 3 || inode[0] != '[' || inode[^1] != ']' || !IsNumber(inode[1..^1])
            || !ulong.TryParse(inode[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong expectedInode))
        {
            expected = "after =net: comes the namespace's inode in brackets, as `readlink /proc/PID/ns/net` shows it, such as pid:4242=net:[4026532281]";
            return false;
        }

        if (!TryParseNamespace(spec[..separator], out reference, out expected))
        {
            return false;
        }

        reference = reference with { ExpectedInode = expectedInode };
        return true;
    }

    private static bool TryParseNamespace(string spec, [NotNullWhen(true)] out NamespaceReference? reference, [NotNullWhen(false)] out string? expected)
    {
        (reference, expected) = (null, null);
        if (spec.StartsWith(PidPrefix, StringComparison.Ordinal))
        {
            string[] parts = spec[PidPrefix.Length..].Split('@');
            if (parts.Length <= 2 && IsNumber(parts[0])
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0)
            {
                if (parts.Length == 1)
                {
                    reference = new NamespaceReference.OfProcess(pid);
                    return true;
                }

                if (IsNumber(parts[1]) && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong startTime))
                {
                    reference = new NamespaceReference.OfProcess(pid, startTime);
                    return true;
                }
            }

            expected = "after pid: comes a process id, and optionally @ and its start time, such as pid:4242 or pid:4242@123456 (field 22 of /proc/4242/stat)";
            return false;
        }

        if (spec.Contains('/', StringComparison.Ordinal))
        {
            reference = new NamespaceReference.File(spec);
            return true;
        }

        if (spec.Length == 0 || spec is "." or "..")
        {
            expected = "expected an `ip netns` name, pid:PID, or a path, each optionally followed by =net:[INODE]";
            return false;
        }

        reference = new NamespaceReference.Named(spec);
        return true;
    }

    private static bool IsNumber(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
