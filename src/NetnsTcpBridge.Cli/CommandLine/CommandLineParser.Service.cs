using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Privileges;
using static NetnsTcpBridge.Cli.CommandLine.OptionDefinitions;

namespace NetnsTcpBridge.Cli.CommandLine;

// Options for running the bridge as a long-lived service: who owns its socket file, whom it runs
// as, where it serves its metrics, and whose exit ends it.
internal static partial class CommandLineParser
{
    private static BridgeSettings ParseServiceOptions(Dictionary<OptionDefinition, string?> values, BridgeSettings settings)
    {
        // A mode for a socket that has no file (an abstract name, TCP) would be silently ignored.
        if (values.ContainsKey(UnixMode) && !settings.Rules.Any(rule => rule.ListensOnSocketFile))
        {
            throw new UsageException(settings.IsSingleForward
                ? $"{UnixMode.Spellings} sets the mode of a socket file: it needs {Listen.Spellings} unix:/path"
                : $"{UnixMode.Spellings} sets the mode of a socket file, but no rule listens on one (listen=unix:/path)");
        }

        // Applied by RuleDefaults to the forwards that listen on a socket file.
        if (values.ContainsKey(UnixOwner) && !settings.Rules.Any(rule => rule.ListensOnSocketFile))
        {
            throw new UsageException(settings.IsSingleForward
                ? $"{UnixOwner.Spellings} sets the owner of a socket file: it needs {Listen.Spellings} unix:/path"
                : $"{UnixOwner.Spellings} sets the owner of a socket file, but no rule listens on one (listen=unix:/path)");
        }

        if (values.TryGetValue(User, out string? user))
        {
            settings = settings with
            {
                RunAs = UserDatabase.TryResolveRunAs(user!, out var runAs, out string? error)
                    ? runAs
                    : throw new UsageException($"invalid value '{user}' for {User.Spellings}: {error}"),
            };
        }

        settings = settings with { Metrics = ParseMetrics(values) };
        if (values.ContainsKey(ExitWithNetnsOwner))
        {
            if (settings.NamespaceOwners.Count == 0)
            {
                throw new UsageException(
                    $"{ExitWithNetnsOwner.Spellings} follows the process whose netns was named by PID: name the listen or connect netns as pid:PID or /proc/PID/ns/net");
            }

            settings = settings with { ExitWithNamespaceOwner = true };
        }

        return settings;
    }

    /// <summary>USER, USER:GROUP or :GROUP, resolved; <paramref name="where"/> names the option or the rule key.</summary>
    internal static FileOwner ParseOwner(string text, string where) =>
        UserDatabase.TryResolveOwner(text, out var owner, out string? error)
            ? owner
            : throw new UsageException($"invalid value '{text}' for {where}: {error}");

    private static MetricsEndpoint? ParseMetrics(Dictionary<OptionDefinition, string?> values)
    {
        bool sideGiven = values.TryGetValue(MetricsNetns, out string? side);
        if (!values.TryGetValue(MetricsAddress, out string? address))
        {
            return sideGiven
                ? throw new UsageException($"{MetricsNetns.Spellings} says where the metrics endpoint listens: it needs {MetricsAddress.Spellings} ADDR")
                : null;
        }

        if (UnixAddress.IsUnix(address!))
        {
            throw new UsageException($"invalid address '{address}' for {MetricsAddress.Spellings}: the metrics are served over TCP; expected {TcpAddress.Syntax}");
        }

        if (!TcpAddress.TryParse(address!, allowPortZero: true, out var endpoint, out string? error))
        {
            throw new UsageException($"invalid address '{address}' for {MetricsAddress.Spellings}: {error}; expected {TcpAddress.Syntax}");
        }

        var ns = side switch
        {
            null or "start" => MetricsNamespace.Start,
            "listen" => MetricsNamespace.Listen,
            "connect" => MetricsNamespace.Connect,
            _ => throw new UsageException($"invalid value '{side}' for {MetricsNetns.Spellings}: expected start, listen or connect"),
        };
        return new MetricsEndpoint(endpoint, ns);
    }
}
