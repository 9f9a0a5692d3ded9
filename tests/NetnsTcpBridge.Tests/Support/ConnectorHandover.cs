using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Parts.Listener;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Tests.Support;

/// <summary>The settings a connector would receive for a parsed command line, without starting one.</summary>
internal static class ConnectorHandover
{
    /// <summary>
    /// What the listener sends (one route per rule, an address target as given, a host name left
    /// unresolved), read back as the connector reads it.
    /// </summary>
    public static ConnectorSettings RoundTrip(BridgeSettings settings)
    {
        var routes = settings.Rules.Select(rule => ConnectorGroup.RouteOf(rule, rule.Connect is ConnectTarget.Address address ? [address.Endpoint] : []));
        var sent = new ConnectorSettings(settings.Relay with { Routes = [.. routes] }, settings.IsOneShot, LogLevel.Info);
        return ConnectorSettings.Parse(sent.Format());
    }
}
