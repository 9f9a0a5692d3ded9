using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay.Udp;

// Flows begin with a client's first datagram and end idle, on an error of their socket, or at a stop.
internal sealed partial class UdpRelay
{
    /// <summary>The JSON "event" of a flow's end line.</summary>
    public const string FlowEndEvent = "udp_flow_end";

    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly WarningThrottle _flowLimitWarnings = new(WarningInterval);
    private readonly WarningThrottle _setupWarnings = new(WarningInterval);

    /// <summary>
    /// A flow for the client of datagram <paramref name="slot"/> of the batch: a UDP socket in this
    /// process's netns (the connect netns), connected to the route's target. Null when there is
    /// no room or no socket: the datagram is dropped, counted, and said at most every 10 s.
    /// </summary>
    private unsafe UdpFlow* StartFlow(UdpListener listener, in UdpFlowKey key, int slot)
    {
        if (_flows.Count >= _maxFlows)
        {
            Statistics.RecordDropped(UdpDrop.FlowLimit);
            if (_flowLimitWarnings.Count(out long dropped))
            {
                Log.Warning($"{listener.Route.LogPrefix}udp: {_maxFlows} flows open ({SettingNames.Of(Setting.MaxUdpFlows)}): dropped {dropped} datagram(s) from new client addresses since the last warning, the newest from {ClientName(_batch.Address(slot))}");
            }

            return null;
        }

        int socket = Libc.Socket(listener.TargetFamily, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        string? failure = null;
        if (socket < 0)
        {
            failure = $"socket: {SyscallException.DescribeErrno(Marshal.GetLastPInvokeError())}";
        }
        else
        {
            fixed (byte* target = listener.TargetAddress)
            {
                // Connected: the kernel then delivers only the target's datagrams to this socket,
                // and reports the target's ICMP errors on it (ECONNREFUSED).
                if (Libc.Connect(socket, target, (uint)listener.TargetAddress.Length) != 0)
                {
                    failure = $"connect: {SyscallException.DescribeErrno(Marshal.GetLastPInvokeError())}";
                    _ = Libc.Close(socket);
                }
            }
        }

        if (failure is not null)
        {
            Statistics.RecordDropped(UdpDrop.FlowSetupFailed);
            if (_setupWarnings.Count(out long dropped))
            {
                Log.Warning($"{listener.Route.LogPrefix}udp: cannot open a flow to {listener.TargetName}: {failure}; dropped {dropped} datagram(s) since the last warning");
            }

            return null;
        }

        // The flow's socket is owned by the flow from here; EndFlow closes it.
        var flow = _flows.Add(key, socket, listener.IsWildcard ? ReplySourceFrom(slot) : default, _now);
        try
        {
            Register(socket, ((ulong)flow->Generation << 32) | (uint)flow->Slot);
        }
        catch (SyscallException)
        {
            _flows.Remove(flow);
            _ = Libc.Close(socket);
            Statistics.RecordDropped(UdpDrop.FlowSetupFailed);
            return null;
        }

        Statistics.RecordFlowStarted();
        return flow;
    }

    /// <summary>Closes the flow's socket (which leaves epoll with it), counts the ending and, with -v, says so in one line.</summary>
    private unsafe void EndFlow(UdpFlow* ended, UdpFlowEnding ending, Errno? error)
    {
        var flow = *ended; // the record is free once removed
        _flows.Remove(ended);
        _ = Libc.Close(flow.Socket);
        Statistics.RecordFlowEnded(ending);
        if (!Log.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var listener = _listeners[flow.Key.Listener];
        string client = ClientName(flow.Key);
        string? errorText = error is { } errno ? SyscallException.DescribeErrno((int)errno) : null;
        var duration = TimeSpan.FromMilliseconds(_now - flow.Started);
        string message = string.Create(CultureInfo.InvariantCulture,
            $"{listener.Route.LogPrefix}udp flow {client} -> {listener.TargetName} ended after {duration.TotalSeconds:0.000} s: {UdpReasons.Text(ending)}{(errorText is null ? string.Empty : $": {errorText}")}; client->server {flow.DatagramsClientToServer} datagrams, {flow.BytesClientToServer} bytes, server->client {flow.DatagramsServerToClient} datagrams, {flow.BytesServerToClient} bytes");
        var fields = new List<LogField>(11);
        if (listener.Route.Name is { } rule)
        {
            fields.Add(LogField.Text("rule", rule));
        }

        fields.Add(LogField.Text("client", client));
        fields.Add(LogField.Text("target", listener.TargetName));
        fields.Add(LogField.Number("datagrams_client_to_server", flow.DatagramsClientToServer));
        fields.Add(LogField.Number("bytes_client_to_server", flow.BytesClientToServer));
        fields.Add(LogField.Number("datagrams_server_to_client", flow.DatagramsServerToClient));
        fields.Add(LogField.Number("bytes_server_to_client", flow.BytesServerToClient));
        fields.Add(LogField.Seconds("duration_s", duration));
        fields.Add(LogField.Text("reason", UdpReasons.Text(ending)));
        fields.Add(LogField.Text("reason_code", UdpReasons.Name(ending)));
        if (errorText is not null)
        {
            fields.Add(LogField.Text("error", errorText));
        }

        Log.Event(LogLevel.Debug, FlowEndEvent, message, [.. fields]);
    }

    /// <summary>
    /// The destination the kernel reported with datagram <paramref name="slot"/> (IP_PKTINFO,
    /// IPV6_PKTINFO), from which replies are to leave; none if it reported none.
    /// </summary>
    private unsafe UdpReplySource ReplySourceFrom(int slot)
    {
        ref var header = ref _batch.Messages[slot].Header;
        byte* control = (byte*)header.Control;
        nuint length = header.ControlLength;
        int headerSize = Libc.CmsgAlign(sizeof(Libc.CmsgHdr));
        for (nuint offset = 0; control is not null && offset + (nuint)headerSize <= length;)
        {
            var cmsg = (Libc.CmsgHdr*)(control + offset);
            if (cmsg->Length < (nuint)headerSize || offset + cmsg->Length > length)
            {
                break;
            }

            byte* data = (byte*)cmsg + headerSize;
            if (cmsg->Level == Libc.SOL_IP && cmsg->Type == Libc.IP_PKTINFO)
            {
                return UdpReplySource.ForIPv4(((Libc.InPktInfo*)data)->Address);
            }

            if (cmsg->Level == Libc.IPPROTO_IPV6 && cmsg->Type == Libc.IPV6_PKTINFO)
            {
                return UdpReplySource.ForIPv6(*(Libc.In6PktInfo*)data);
            }

            offset += (nuint)Libc.CmsgAlign((int)cmsg->Length);
        }

        return default;
    }

    private static unsafe string ClientName(in UdpFlowKey key)
    {
        byte* address = stackalloc byte[UdpBatch.AddressBytes];
        key.WriteAddress(address);
        return ClientName(address);
    }

    private static unsafe string ClientName(byte* address) => ClientName(new ReadOnlySpan<byte>(address, UdpBatch.AddressBytes));

    private static string ClientName(ReadOnlySpan<byte> address) =>
        SocketAddressFamily.ToIPEndPoint(address) is { } client ? TcpAddress.Format(client) : $"(address family {SocketAddressFamily.Of(address)})";
}
