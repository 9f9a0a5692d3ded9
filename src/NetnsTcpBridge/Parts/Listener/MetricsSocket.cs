using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Metrics;
using NetnsTcpBridge.Namespaces;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// The listening socket of the metrics endpoint, made by the listener on a thread inside the
/// chosen namespace before any privilege is dropped (so a port below 1024 works with --user).
/// The listener serves it itself, asking each connector for its counters.
/// </summary>
internal static class MetricsSocket
{
    /// <summary>
    /// A bound, listening socket in the namespace the bridge was started in, or in the listen or
    /// connect namespace of the first forward; owned by the caller; null without --metrics.
    /// </summary>
    public static FileDescriptor? Open(MetricsEndpoint? endpoint, NetworkNamespace? listenNamespace, NetworkNamespace? connectNamespace)
    {
        if (endpoint is null)
        {
            return null;
        }

        // Set-up runs where the bridge was started; only its namespace threads go elsewhere.
        var (ns, role) = endpoint.Namespace switch
        {
            MetricsNamespace.Connect => (connectNamespace, "connect"),
            MetricsNamespace.Listen => (listenNamespace, "listen"),
            _ => ((NetworkNamespace?)null, "start"),
        };

        // As for the main listening socket: it belongs to the namespace of the thread that creates it.
        var socket = NamespaceThread.Run(ns, role, () => ListeningSocket.CreateSocket(endpoint.Address));
        try
        {
            ListeningSocket.BindAndListen(socket, endpoint.Address);
        }
        catch (BridgeException e)
        {
            socket.Dispose();
            throw new BridgeException($"metrics endpoint ({SettingNames.Of(Setting.Metrics)}): {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Log.Debug($"metrics served at http://{SocketNames.Local(socket.Number)}{MetricsHttp.Path} in the {role} netns{(ns is null ? string.Empty : " " + ns.Description)}");
        return socket;
    }
}
