using System.Globalization;
using NetnsTcpBridge.Endpoints;
using static NetnsTcpBridge.Cli.CommandLine.OptionDefinitions;

namespace NetnsTcpBridge.Cli.CommandLine;

// One option value at a time: seconds, counts, descriptors, file modes, yes/no, addresses. Each
// message names the option and what it expects.
internal static partial class CommandLineParser
{
    private static bool ParseYesNo(string text, OptionDefinition option) => text switch
    {
        "yes" => true,
        "no" => false,
        _ => throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected yes or no"),
    };

    private static System.Net.EndPoint ParseAddress(string text, OptionDefinition option, bool allowPortZero)
    {
        if (UnixAddress.IsUnix(text))
        {
            return UnixAddress.TryParse(text, out var unix, out string? unixError)
                ? unix
                : throw new UsageException($"invalid UNIX socket address '{text}' for {option.Spellings}: {unixError}");
        }

        return TcpAddress.TryParse(text, allowPortZero, out var endpoint, out string? error)
            ? endpoint
            : throw new UsageException($"invalid address '{text}' for {option.Spellings}: {error}; expected {TcpAddress.Syntax}, or unix:/path or unix:@name");
    }

    private static int ParseDescriptor(string text, OptionDefinition option) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int fd)
            ? fd
            : throw new UsageException($"invalid file descriptor '{text}' for {option.Spellings}: expected a number such as 3");

    // At least a millisecond: timeouts travel to the connector, and act, in whole milliseconds.
    private static TimeSpan ParseSeconds(string text, OptionDefinition option) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0.001 && seconds <= 86400
            ? TimeSpan.FromMilliseconds(Math.Round(seconds * 1000))
            : throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected seconds from 0.001 to 86400, e.g. 10 or 0.5");

    private static UnixFileMode ParseMode(string text) =>
        text.Length is >= 1 and <= 4 && text.All(c => c is >= '0' and <= '7')
            ? (UnixFileMode)Convert.ToInt32(text, 8)
            : throw new UsageException($"invalid value '{text}' for {UnixMode.Spellings}: expected an octal file mode such as 660 or 0600");

    private static int ParseCount(string text, OptionDefinition option, int min, int max) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected a whole number from {min} to {max}");
}
