using System.Globalization;

namespace NetnsTcpBridge.Bridge;

/// <summary>A process whose network namespace the user named by its PID, and which side that namespace is.</summary>
public sealed record NamespaceOwner(int Pid, string Role)
{
    /// <summary>
    /// The process behind <paramref name="reference"/> when it names one: <c>pid:PID</c>, or a
    /// path of the form <c>/proc/PID/ns/net</c>; null for a name, another path, or a descriptor.
    /// </summary>
    public static NamespaceOwner? Of(NamespaceReference? reference, string role) => reference switch
    {
        NamespaceReference.OfProcess process => new NamespaceOwner(process.Pid, role),
        NamespaceReference.File file when PidOfProcNetPath(file.Path) is int pid => new NamespaceOwner(pid, role),
        _ => null,
    };

    public override string ToString() => $"process {Pid} (whose netns is the {Role} netns)";

    // "/proc/PID/ns/net" exactly, PID without a leading zero; null for any other path.
    private static int? PidOfProcNetPath(string path)
    {
        const string Prefix = "/proc/";
        const string Suffix = "/ns/net";
        if (!path.StartsWith(Prefix, StringComparison.Ordinal) || !path.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var digits = path.AsSpan(Prefix.Length, Math.Max(0, path.Length - Prefix.Length - Suffix.Length));
        return digits.Length > 0 && digits[0] != '0' && !digits.ContainsAnyExcept(Digits)
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            ? pid
            : null;
    }

    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");
}
