using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay.Udp;

// Moving datagrams: from clients to their flows, and from flows back to their clients. One batch
// of buffers serves both, one direction at a time.
internal sealed partial class UdpRelay
{
    /// <summary>Batches read from one listening socket per wake-up, so that a flood of clients cannot starve the replies.</summary>
    private const int BatchesPerWake = 4;

    private unsafe void ReceiveFromClients(int index)
    {
        var listener = _listeners[index];
        var messages = _batch.Messages;
        var keys = stackalloc UdpFlowKey[UdpBatch.Size];
        for (int round = 0; round < BatchesPerWake; round++)
        {
            _batch.PrepareReceive(withAddress: true, withControl: listener.IsWildcard);
            int count = Libc.RecvMMsg(listener.Socket.Number, messages, UdpBatch.Size, Libc.MSG_DONTWAIT, null);
            if (count <= 0)
            {
                // EAGAIN: all read. Anything else on an unconnected socket (ENOMEM) passes; the
                // level-triggered epoll brings the loop back if datagrams still wait.
                return;
            }

            for (int i = 0; i < count; i++)
            {
                keys[i] = UdpFlowKey.From(index, _batch.Address(i));
            }

            int start = 0;
            while (start < count)
            {
                // A run: consecutive datagrams of one client, sent on with one sendmmsg, in order.
                int end = start + 1;
                while (end < count && keys[end] == keys[start])
                {
                    end++;
                }

                var flow = _flows.Find(keys[start]);
                if (flow is null)
                {
                    flow = StartFlow(listener, keys[start], start);
                }

                if (flow is null)
                {
                    start = end; // dropped and counted by StartFlow
                    continue;
                }

                SendToTarget(flow, start, end);
                start = end;
            }

            if (count < UdpBatch.Size)
            {
                return;
            }
        }
    }

    /// <summary>Sends the batch's datagrams <paramref name="start"/> to <paramref name="end"/> (exclusive) on the flow's connected socket.</summary>
    private unsafe void SendToTarget(UdpFlow* flow, int start, int end)
    {
        var messages = _batch.Messages;
        int next = start;
        for (int i = start; i < end; i++)
        {
            if ((messages[i].Header.Flags & Libc.MSG_TRUNC) != 0)
            {
                // Longer than the buffer: never for UDP over IP, whose payload ends at 65,527 bytes.
                Statistics.RecordDropped(UdpDrop.TooLarge);
                continue;
            }

            _batch.PrepareSendConnected(i);
            if (i != next)
            {
                messages[next] = messages[i];
            }

            next++;
        }

        int sent = start;
        while (sent < next)
        {
            int count = Libc.SendMMsg(flow->Socket, messages + sent, (uint)(next - sent), Libc.MSG_DONTWAIT);
            if (count > 0)
            {
                long bytes = 0;
                for (int i = sent; i < sent + count; i++)
                {
                    bytes += messages[i].Length;
                }

                flow->DatagramsClientToServer += count;
                flow->BytesClientToServer += bytes;
                Statistics.RecordClientToServer(count, bytes);
                sent += count;
                continue;
            }

            // The datagram at 'sent' failed: it is dropped, never retried.
            var errno = (Errno)Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            if (DropFor(errno) is { } drop)
            {
                Statistics.RecordDropped(drop);
                sent++;
                continue;
            }

            Statistics.RecordDropped(UdpDrop.SendFailed, next - sent);
            EndFlow(flow, errno == Errno.ECONNREFUSED ? UdpFlowEnding.Refused : UdpFlowEnding.TargetError, errno);
            return;
        }

        _flows.Touch(flow, _now);
    }

    /// <summary>Reads one batch of the target's datagrams from the flow's socket and sends them to the client.</summary>
    private unsafe void ReceiveReplies(UdpFlow* flow)
    {
        var messages = _batch.Messages;
        _batch.PrepareReceive(withAddress: false, withControl: false);
        int count = Libc.RecvMMsg(flow->Socket, messages, UdpBatch.Size, Libc.MSG_DONTWAIT, null);
        if (count < 0)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            if (errno is not (Errno.EAGAIN or Errno.EINTR))
            {
                // ECONNREFUSED: an ICMP port unreachable from the target's side; others: unreachable and the like.
                EndFlow(flow, errno == Errno.ECONNREFUSED ? UdpFlowEnding.Refused : UdpFlowEnding.TargetError, errno);
            }

            return;
        }

        // Every reply goes to the one client: its address and source once, in slot 0's room.
        byte* name = _batch.Address(0);
        uint nameLength = flow->Key.WriteAddress(name);
        byte* control = _batch.Control(0);
        nuint controlLength = flow->ReplySource.WriteControl(control);
        int ready = 0;
        for (int i = 0; i < count; i++)
        {
            if ((messages[i].Header.Flags & Libc.MSG_TRUNC) != 0)
            {
                Statistics.RecordDropped(UdpDrop.TooLarge);
                continue;
            }

            _batch.PrepareSendTo(i, name, nameLength, control, controlLength);
            if (i != ready)
            {
                messages[ready] = messages[i];
            }

            ready++;
        }

        int socket = _listeners[flow->Key.Listener].Socket.Number;
        int sent = 0;
        while (sent < ready)
        {
            int done = Libc.SendMMsg(socket, messages + sent, (uint)(ready - sent), Libc.MSG_DONTWAIT);
            if (done > 0)
            {
                long bytes = 0;
                for (int i = sent; i < sent + done; i++)
                {
                    bytes += messages[i].Length;
                }

                flow->DatagramsServerToClient += done;
                flow->BytesServerToClient += bytes;
                Statistics.RecordServerToClient(done, bytes);
                sent += done;
                continue;
            }

            var errno = (Errno)Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                Statistics.RecordDropped(DropFor(errno) ?? UdpDrop.SendFailed);
                sent++;
            }
        }

        if (count > 0)
        {
            _flows.Touch(flow, _now);
        }
    }

    /// <summary>The errors that cost one datagram and leave the flow open; null for those that end it.</summary>
    private static UdpDrop? DropFor(Errno errno) => errno switch
    {
        Errno.EAGAIN or Errno.ENOBUFS or Errno.ENOMEM => UdpDrop.BufferFull,
        Errno.EMSGSIZE => UdpDrop.TooLarge,
        Errno.EPERM => UdpDrop.SendFailed, // a firewall rule: the next datagram may pass
        _ => null,
    };
}
