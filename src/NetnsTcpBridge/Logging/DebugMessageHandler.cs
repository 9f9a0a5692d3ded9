using System.Runtime.CompilerServices;
using System.Text;

namespace NetnsTcpBridge.Logging;

/// <summary>
/// Builds a debug message only when debug logging is on, so that <c>Log.Debug($"...")</c> on the
/// per-connection path costs nothing (no formatting, no address lookups) when it is off.
/// </summary>
[InterpolatedStringHandler]
public ref struct DebugMessageHandler
{
    private readonly StringBuilder? _text;

    public DebugMessageHandler(int literalLength, int formattedCount, out bool enabled)
    {
        enabled = Log.IsEnabled(LogLevel.Debug);
        _text = enabled ? new StringBuilder(literalLength + (formattedCount * 16)) : null;
    }

    public readonly void AppendLiteral(string value) => _text!.Append(value);

    public readonly void AppendFormatted<T>(T value) => _text!.Append(value);

    public readonly void AppendFormatted<T>(T value, string? format)
        where T : IFormattable => _text!.Append(value.ToString(format, System.Globalization.CultureInfo.InvariantCulture));

    public override readonly string ToString() => _text?.ToString() ?? string.Empty;
}
