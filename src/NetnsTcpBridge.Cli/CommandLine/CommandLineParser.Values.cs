using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using static NetnsTcpBridge.Cli.CommandLine.OptionDefinitions;

namespace NetnsTcpBridge.Cli.CommandLine;

// One option value at a time: seconds, counts, descriptors, file modes, yes/no, addresses. Each
// message names the option and what it expects. The Try forms hold the syntax alone: RuleParser
// shares them, and words its own messages, which name a rule's key instead of an option.
internal static partial class CommandLineParser
{
    internal static bool TryParseYesNo(string text, out bool value)
    {
        value = text == "yes";
        return text is "yes" or "no";
    }

    private static bool ParseYesNo(string text, OptionDefinition option) =>
        TryParseYesNo(text, out bool value)
            ? value
            : throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected yes or no");

    /// <summary>An octal mode of 1 to 4 digits, such as 660 or 0600.</summary>
    internal static bool TryParseFileMode(string text, out UnixFileMode mode)
    {
        bool valid = text.Length is >= 1 and <= 4 && text.All(c => c is >= '0' and <= '7');
        mode = valid ? (UnixFileMode)Convert.ToInt32(text, 8) : default;
        return valid;
    }

    private static UnixFileMode ParseMode(string text) =>
        TryParseFileMode(text, out var mode)
            ? mode
            : throw new UsageException($"invalid value '{text}' for {UnixMode.Spellings}: expected an octal file mode such as 660 or 0600");

    /// <summary>unix:/path, unix:@name or IP:PORT.</summary>
    /// <param name="what">On failure, what the text is not: "address" or "UNIX socket address".</param>
    /// <param name="why">On failure, what is wrong with it and, for IP:PORT, what is expected.</param>
    internal static bool TryParseEndpoint(string text, bool allowPortZero, [NotNullWhen(true)] out EndPoint? endpoint, out string what, out string why)
    {
        if (UnixAddress.IsUnix(text))
        {
            bool validUnix = UnixAddress.TryParse(text, out var unix, out string? unixError);
            (endpoint, what, why) = (unix, "UNIX socket address", unixError ?? "");
            return validUnix;
        }

        bool valid = TcpAddress.TryParse(text, allowPortZero, out var tcp, out string? error);
        (endpoint, what, why) = (tcp, "address", $"{error}; expected {TcpAddress.Syntax}, or unix:/path or unix:@name");
        return valid;
    }

    /// <summary>HOST:PORT, else an address as <see cref="TryParseEndpoint"/> takes it, port 0 refused.</summary>
    internal static bool TryParseTarget(string text, [NotNullWhen(true)] out ConnectTarget? target, out string what, out string why)
    {
        if (HostName.TryParse(text, out string? host, out int port))
        {
            (target, what, why) = (new ConnectTarget.HostName(host, port), "", "");
            return true;
        }

        if (TryParseEndpoint(text, allowPortZero: false, out var endpoint, out what, out why))
        {
            target = new ConnectTarget.Address(endpoint);
            return true;
        }

        target = null;
        return false;
    }

    private static EndPoint ParseAddress(string text, OptionDefinition option, bool allowPortZero) =>
        TryParseEndpoint(text, allowPortZero, out var endpoint, out string what, out string why)
            ? endpoint
            : throw InvalidAddress(text, option, what, why);

    private static ConnectTarget ParseTarget(string text, OptionDefinition option) =>
        TryParseTarget(text, out var target, out string what, out string why)
            ? target
            : throw InvalidAddress(text, option, what, why);

    private static UsageException InvalidAddress(string text, OptionDefinition option, string what, string why) =>
        new($"invalid {what} '{text}' for {option.Spellings}: {why}");

    private static bool TryParseWholeNumber(string text, out int value)
    {
        value = 0;
        return text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static int ParseDescriptor(string text, OptionDefinition option) =>
        TryParseWholeNumber(text, out int fd)
            ? fd
            : throw new UsageException($"invalid file descriptor '{text}' for {option.Spellings}: expected a number such as 3");

    private static int ParseCount(string text, OptionDefinition option, int min, int max) =>
        TryParseWholeNumber(text, out int value) && value >= min && value <= max
            ? value
            : throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected a whole number from {min} to {max}");

    /// <summary>Bytes, with an optional binary suffix: 65536, 512K, 64M, 1G (also KiB, MiB, GiB), up to 1 TiB.</summary>
    internal static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        int shift = text[digits..] switch
        {
            "" => 0,
            "K" or "KiB" => 10,
            "M" or "MiB" => 20,
            "G" or "GiB" => 30,
            _ => -1,
        };
        if (digits == 0 || digits > 13 || shift < 0
            || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            || value > (1L << 40) >> shift)
        {
            return false;
        }

        bytes = value << shift;
        return true;
    }

    private static long ParseSize(string text, OptionDefinition option) =>
        TryParseSize(text, out long bytes)
            ? bytes
            : throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected bytes with an optional K, M or G suffix, up to 1 TiB, e.g. 64M");

    // At least a millisecond: timeouts travel to the connector, and act, in whole milliseconds.
    private static TimeSpan ParseSeconds(string text, OptionDefinition option) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0.001 && seconds <= 86400
            ? TimeSpan.FromMilliseconds(Math.Round(seconds * 1000))
            : throw new UsageException($"invalid value '{text}' for {option.Spellings}: expected seconds from 0.001 to 86400, e.g. 10 or 0.5");
}
