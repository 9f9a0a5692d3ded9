using System.Net.Sockets;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>How a peer saw its connection end.</summary>
public enum Ending
{
    /// <summary>Read end of stream: a clean close (FIN).</summary>
    EndOfStream,

    /// <summary>ECONNRESET.</summary>
    Reset,

    /// <summary>Another socket error.</summary>
    OtherError,
}

public static class Outcome
{
    /// <summary>
    /// Classifies a socket failure as a reset or something else. The kernel reports a reset once
    /// (ECONNRESET), to whichever call comes first; after that sends fail with EPIPE and reads
    /// return end of stream. So a peer that must tell a reset from a clean close uses its socket
    /// from one sequence of calls, never a reader and a writer at once.
    /// </summary>
    public static Ending Of(SocketException e) =>
        e.SocketErrorCode is SocketError.ConnectionReset ? Ending.Reset : Ending.OtherError;

    /// <summary>Reads until the stream ends and says how: end of stream or reset (with the bytes read before).</summary>
    public static async Task<(Ending Ending, long Bytes, SocketError Error)> ReadToEndingAsync(Socket socket)
    {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try
        {
            while (true)
            {
                int count = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (count == 0)
                {
                    return (Ending.EndOfStream, total, SocketError.Success);
                }

                total += count;
            }
        }
        catch (SocketException e)
        {
            return (Of(e), total, e.SocketErrorCode);
        }
    }

    /// <summary>Closes with SO_LINGER {1, 0}: the peer gets a reset, not a FIN.</summary>
    public static void Abort(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>Bytes this socket has sent that the peer has not acknowledged yet (SIOCOUTQ).</summary>
    public static unsafe int Unacknowledged(Socket socket)
    {
        int value;
        return Native.IoctlInt((int)socket.Handle, Native.SIOCOUTQ, &value) == 0 ? value : -1;
    }

    /// <summary>Waits until everything sent has been acknowledged (so a reset cannot discard it); false after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitUntilAcknowledgedAsync(Socket socket, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Unacknowledged(socket) != 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(5).ConfigureAwait(false);
        }

        return true;
    }
}
