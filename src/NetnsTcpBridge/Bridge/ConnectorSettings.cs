using System.Globalization;
using System.Net;
using System.Text;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Bridge;

/// <summary>
/// What the listener tells the connector in the first hand-over record, as <c>key=value</c> lines.
/// When <see cref="Target"/> is null the record carries the pre-connected socket instead.
/// </summary>
internal sealed record ConnectorSettings(IPEndPoint? Target, TimeSpan ConnectTimeout, bool OneShot, LogLevel LogLevel)
{
    public string Format()
    {
        var text = new StringBuilder();
        if (Target is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"connect={TcpAddress.Format(Target)}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"connect-timeout-ms={(long)ConnectTimeout.TotalMilliseconds}\n");
        text.Append(CultureInfo.InvariantCulture, $"one-shot={(OneShot ? 1 : 0)}\n");
        text.Append(CultureInfo.InvariantCulture, $"log-level={(int)LogLevel}\n");
        return text.ToString();
    }

    public static ConnectorSettings Parse(string text)
    {
        IPEndPoint? target = null;
        long? timeoutMs = null;
        bool? oneShot = null;
        LogLevel? level = null;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? line : line[..equals];
            string value = equals < 0 ? string.Empty : line[(equals + 1)..];
            switch (key)
            {
                case "connect":
                    target = TcpAddress.TryParse(value, allowPortZero: false, out var endpoint, out string? error)
                        ? endpoint
                        : throw new InvalidDataException($"connector settings: connect={value}: {error}");
                    break;
                case "connect-timeout-ms":
                    timeoutMs = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "one-shot":
                    oneShot = value == "1";
                    break;
                case "log-level":
                    level = (LogLevel)int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new InvalidDataException($"connector settings: unknown key '{key}'");
            }
        }

        return new ConnectorSettings(
            target,
            TimeSpan.FromMilliseconds(timeoutMs ?? throw new InvalidDataException("connector settings: connect-timeout-ms missing")),
            oneShot ?? throw new InvalidDataException("connector settings: one-shot missing"),
            level ?? LogLevel.Info);
    }
}
