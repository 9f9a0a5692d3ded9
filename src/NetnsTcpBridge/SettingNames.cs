namespace NetnsTcpBridge;

/// <summary>The settings that the bridge's messages point a user to when one of them explains what happened.</summary>
public enum Setting
{
    ListenSocket,
    ConnectedSocket,
    PreacceptedSocket,
    ExitWithNamespaceOwner,
    Metrics,
    User,
    MaxUdpFlows,
    PipeMemoryBudget,
    MaxConnectionsPerSource,
    AcceptProxyFrom,
}

/// <summary>
/// How messages name a setting: as the front end spells it for its users (the command line
/// registers its options), else by the library's own name for it. Keeps the library free of
/// any one front end's spelling.
/// </summary>
public static class SettingNames
{
    private static Func<Setting, string>? s_spelling;

    /// <summary>Called once at start, before any part runs.</summary>
    public static void SpellWith(Func<Setting, string> spelling) => s_spelling = spelling;

    public static string Of(Setting setting) => s_spelling?.Invoke(setting) ?? OwnName(setting);

    private static string OwnName(Setting setting) => setting switch
    {
        Setting.ListenSocket => "listening socket descriptor",
        Setting.ConnectedSocket => "connected socket descriptor",
        Setting.PreacceptedSocket => "pre-accepted socket descriptor",
        Setting.ExitWithNamespaceOwner => "exit with the namespace owner",
        Setting.Metrics => "metrics endpoint",
        Setting.User => "user to run as",
        Setting.MaxUdpFlows => "UDP flow limit",
        Setting.PipeMemoryBudget => "pipe memory budget",
        Setting.MaxConnectionsPerSource => "per-source connection limit",
        Setting.AcceptProxyFrom => "trusted PROXY peers",
        _ => setting.ToString(),
    };
}
