using System.Globalization;
using System.Text.RegularExpressions;

namespace NetnsTcpBridge.Bridge;

/// <summary>A process whose network namespace the user named by its PID, and which side that namespace is.</summary>
public sealed partial record NamespaceOwner(int Pid, string Role)
{
    /// <summary>
    /// The process behind <paramref name="reference"/> when it names one: <c>pid:PID</c>, or a
    /// path of the form <c>/proc/PID/ns/net</c>; null for a name, another path, or a descriptor.
    /// </summary>
    public static NamespaceOwner? Of(NamespaceReference? reference, string role) => reference switch
    {
        NamespaceReference.OfProcess process => new NamespaceOwner(process.Pid, role),
        NamespaceReference.File file when ProcNetPath().Match(file.Path) is { Success: true } match
            && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) =>
            new NamespaceOwner(pid, role),
        _ => null,
    };

    public override string ToString() => $"process {Pid} (whose netns is the {Role} netns)";

    [GeneratedRegex("^/proc/([1-9][0-9]*)/ns/net$")]
    private static partial Regex ProcNetPath();
}
