using NetnsTcpBridge.Cli.CommandLine;
using Xunit;

namespace NetnsTcpBridge.Tests.CommandLine;

public sealed class SettingSpellingsTests
{
    public static TheoryData<Setting> EverySetting() => new(Enum.GetValues<Setting>());

    [Theory]
    [MemberData(nameof(EverySetting))]
    public void EverySettingAMessageNames_IsSpelledAsAnOptionOfTheCommandLine(Setting setting)
    {
        string spelling = SettingSpellings.Of(setting);

        Assert.Contains(OptionDefinitions.All, option => option.Spellings == spelling);
    }

    [Fact]
    public void InheritedSockets_AreNamedByTheOriginalsOptions()
    {
        Assert.Equal("-L/--listen-fd", SettingSpellings.Of(Setting.ListenSocket));
        Assert.Equal("-S/--preaccepted-fd", SettingSpellings.Of(Setting.PreacceptedSocket));
        Assert.Equal("-C/--connect-fd", SettingSpellings.Of(Setting.ConnectedSocket));
    }
}
