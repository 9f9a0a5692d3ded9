using NetnsTcpBridge.Logging;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Bridge;

/// <summary>One word table per enum that users write.</summary>
public static class Words
{
    public static readonly WordTable<CopyMethod> CopyMethod = new((Relay.CopyMethod.Splice, "splice"), (Relay.CopyMethod.Buffered, "buffered"));

    /// <summary>The versions a user may choose; <see cref="ProxyProtocolVersion.None"/> is the option left out.</summary>
    public static readonly WordTable<ProxyProtocolVersion> ProxyProtocol = new((ProxyProtocolVersion.V1, "v1"), (ProxyProtocolVersion.V2, "v2"));

    public static readonly WordTable<LogFormat> LogFormat = new((Logging.LogFormat.Text, "text"), (Logging.LogFormat.Json, "json"));
}
