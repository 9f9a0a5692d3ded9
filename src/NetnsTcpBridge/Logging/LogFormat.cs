namespace NetnsTcpBridge.Logging;

/// <summary>How log lines look on stderr (<c>--log-format</c>).</summary>
public enum LogFormat
{
    /// <summary>For people: "[TIME ]netns_tcp_bridge: warning: message".</summary>
    Text,

    /// <summary>For machines: one JSON object per line with stable keys.</summary>
    Json,
}
