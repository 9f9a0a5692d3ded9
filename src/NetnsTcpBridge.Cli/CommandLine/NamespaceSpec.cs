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
    public static NamespaceReference Parse(string spec, string what)
    {
        if (spec.StartsWith(PidPrefix, StringComparison.Ordinal))
        {
            string number = spec[PidPrefix.Length..];
            return number.Length > 0 && number.All(char.IsAsciiDigit)
                && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
                ? new NamespaceReference.OfProcess(pid)
                : throw new UsageException($"invalid value '{spec}' for {what}: after pid: comes a process id such as pid:4242");
        }

        if (spec.Contains('/', StringComparison.Ordinal))
        {
            return new NamespaceReference.File(spec);
        }

        return spec.Length == 0 || spec is "." or ".."
            ? throw new UsageException($"invalid value '{spec}' for {what}: expected an `ip netns` name, pid:PID, or a path")
            : new NamespaceReference.Named(spec);
    }
}
