using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NetnsTcpBridge.Bridge;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>
/// The one-word way to name a network namespace (<c>--listen-netns</c>, <c>--connect-netns</c>):
/// <c>pid:PID</c> for a process, a value with a <c>/</c> for a file, anything else for an
/// <c>ip netns</c> name. A name never contains a slash, so the three never overlap.
/// </summary>
internal static class NamespaceSpec
{
    private const string PidPrefix = "pid:";

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
            expected = "expected an `ip netns` name, pid:PID, or a path";
            return false;
        }

        reference = new NamespaceReference.Named(spec);
        return true;
    }

    private static bool IsNumber(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
