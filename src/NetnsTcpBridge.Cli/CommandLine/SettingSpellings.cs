namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>The option that sets each setting the bridge's messages may point to, as this command line spells it.</summary>
internal static class SettingSpellings
{
    public static string Of(Setting setting) => setting switch
    {
        Setting.ListenSocket => OptionDefinitions.ListenFd.Spellings,
        Setting.ConnectedSocket => OptionDefinitions.ConnectFd.Spellings,
        Setting.PreacceptedSocket => OptionDefinitions.PreacceptedFd.Spellings,
        Setting.ExitWithNamespaceOwner => OptionDefinitions.ExitWithNetnsOwner.Spellings,
        Setting.Metrics => OptionDefinitions.MetricsAddress.Spellings,
        Setting.User => OptionDefinitions.User.Spellings,
        Setting.MaxUdpFlows => OptionDefinitions.MaxUdpFlows.Spellings,
        Setting.PipeMemoryBudget => OptionDefinitions.PipeMemoryBudget.Spellings,
        Setting.MaxConnectionsPerSource => OptionDefinitions.MaxConnectionsPerSource.Spellings,
        Setting.AcceptProxyFrom => OptionDefinitions.AcceptProxyFrom.Spellings,
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "no option sets it"),
    };
}
