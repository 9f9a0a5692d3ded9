using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Namespaces;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// The rules that connect from the same network namespace, and the one connector process that
/// serves them there. Each rule is a route of that connector, numbered in the order of the rules.
/// </summary>
/// <remarks>
/// One connector per connect namespace, not one for all: a process creates its sockets in the
/// namespace its threads are in, and a connector that switched namespaces per connection would
/// need CAP_SYS_ADMIN for as long as it runs.
/// </remarks>
internal sealed class ConnectorGroup : IDisposable
{
    private readonly List<int> _ruleIndexes = [];
    private readonly List<RelayRoute> _routes = [];

    private ConnectorGroup(NetworkNamespace? connectNamespace, string identity)
    {
        Namespace = connectNamespace;
        Identity = identity;
    }

    /// <summary>The connect namespace (null: the one the bridge was started in).</summary>
    public NetworkNamespace? Namespace { get; }

    /// <summary>Which namespace this is, however the rules named it (see <see cref="NetworkNamespace.IdentityOf"/>).</summary>
    public string Identity { get; }

    public IReadOnlyList<int> RuleIndexes => _ruleIndexes;

    /// <summary>This group's end of the hand-over channel; set by <see cref="Start"/>.</summary>
    public HandoverChannel Channel { get; private set; } = null!;

    public ConnectorProcess Process { get; private set; } = null!;

    /// <summary>Opens every rule's connect namespace and puts rules that share one in one group, in rule order.</summary>
    public static List<ConnectorGroup> ByConnectNamespace(IReadOnlyList<ForwardRule> rules)
    {
        var groups = new List<ConnectorGroup>();
        for (int i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var opened = RuleErrors.For(rule, () => NamespaceOpener.Open(rule.ConnectNamespace, "connect"));
            string identity = NetworkNamespace.IdentityOf(opened);
            var group = groups.Find(g => g.Identity == identity);
            if (group is null)
            {
                group = new ConnectorGroup(opened, identity);
                groups.Add(group);
            }
            else
            {
                opened?.Dispose(); // the group keeps the first handle on this namespace
            }

            group._ruleIndexes.Add(i);
        }

        return groups;
    }

    /// <summary>The route number of rule <paramref name="ruleIndex"/> in this group's connector.</summary>
    public int RouteOf(int ruleIndex) => _ruleIndexes.IndexOf(ruleIndex);

    /// <summary>Resolves each rule's target inside the connect namespace: host names once, now.</summary>
    public void ResolveRoutes(IReadOnlyList<ForwardRule> rules)
    {
        foreach (int index in _ruleIndexes)
        {
            var rule = rules[index];
            _routes.Add(RouteOf(rule, RuleErrors.For(rule, () => ResolveTargets(rule))));
        }
    }

    /// <summary>What the connector needs of a rule: its name, its resolved targets, and how its clients are relayed.</summary>
    internal static RelayRoute RouteOf(ForwardRule rule, IReadOnlyList<EndPoint> targets) => new(rule.Name, targets)
    {
        SendProxyHeader = rule.SendProxyHeader,
        AcceptProxyHeader = rule.AcceptProxyHeader,
        AcceptProxyFrom = rule.AcceptProxyFrom,
        Udp = rule.IsUdp,
    };

    /// <summary>The listener's end of this connector's statistics link; null without --metrics.</summary>
    public FileDescriptor? StatisticsLink { get; private set; }

    /// <summary>
    /// Starts the connector inside the namespace, with its end of a new channel and, with
    /// <paramref name="statistics"/>, of a new statistics link; born without capabilities, or, when
    /// it is to switch to another user itself (<paramref name="switchesUser"/>, --user), with no_new_privs.
    /// </summary>
    public void Start(bool statistics, bool switchesUser)
    {
        var (channel, connectorEnd) = HandoverChannel.CreatePair();
        var (statisticsEnd, connectorStatisticsEnd) = statistics ? Metrics.StatisticsLink.CreatePair() : (null, null);
        using (connectorEnd)
        using (connectorStatisticsEnd)
        {
            // The child gets its own copies of these ends at fd 3 and 4; ours are closed when this
            // block ends, so that each reports end-of-file to the other side if one dies.
            Process = ConnectorProcess.Start(Namespace, connectorEnd.Socket, connectorStatisticsEnd, switchesUser);
        }

        Channel = channel;
        StatisticsLink = statisticsEnd;
        Log.Debug($"connector part started as pid {Process.Pid}{(Namespace is null ? string.Empty : $" in netns {Namespace.Description}")}");
    }

    /// <summary>The relay settings for this group's connector: its routes on top of the shared ones.</summary>
    public RelayOptions RelayOptionsFrom(RelayOptions shared) => shared with { Routes = [.. _routes] };

    public void Dispose()
    {
        Namespace?.Dispose();
        Channel?.Dispose();
        StatisticsLink?.Dispose();
    }

    private IReadOnlyList<EndPoint> ResolveTargets(ForwardRule rule)
    {
        switch (rule.Connect)
        {
            case ConnectTarget.Address address:
                return [address.Endpoint];
            case ConnectTarget.HostName name:
                // Resolved from inside the connect namespace, where the connections will be made,
                // on a thread that ends afterwards: it may take a mount namespace of its own.
                string? ipNetnsName = (rule.ConnectNamespace as NamespaceReference.Named)?.Name;
                var resolved = NamespaceThread.RunOnEndingThread(Namespace, "connect", () => TargetResolver.Resolve(name.Host, name.Port, ipNetnsName));
                Log.Debug($"{name.Host} resolved to {string.Join(", ", resolved.Select(TcpAddress.Format))}");
                return [.. resolved];
            default:
                return []; // a pre-connected socket (-C) travels with the settings
        }
    }
}
