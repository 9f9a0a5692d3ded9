using System.Net;

namespace NetnsTcpBridge.Bridge;

/// <summary>Which network namespace the metrics endpoint listens in.</summary>
public enum MetricsNamespace
{
    /// <summary>
    /// Where the bridge was started (the default): the operator's namespace, out of reach of a
    /// sandbox on the listen side, which could otherwise read every rule's counters or crowd out
    /// the scrapers.
    /// </summary>
    Start,

    /// <summary>Where clients are accepted: the listen netns.</summary>
    Listen,

    /// <summary>Where the targets are reached from: the connect netns.</summary>
    Connect,
}

/// <summary>Where the counters are served over HTTP in OpenMetrics text (<c>--metrics</c>, <c>--metrics-netns</c>).</summary>
public sealed record MetricsEndpoint(IPEndPoint Address, MetricsNamespace Namespace);
