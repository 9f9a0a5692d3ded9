namespace NetnsTcpBridge.Logging;

/// <summary>
/// Text for standard output (--help, --version) written with write(2). System.Console would pull
/// its terminal handling into the native executable, which every process of the bridge then
/// carries in memory, for two messages.
/// </summary>
public static class StandardOutput
{
    public static void Write(string text) =>
        _ = WriteAll(1, System.Text.Encoding.UTF8.GetBytes(text)); // stdout closed (e.g. piped into head): nothing more to say

    /// <summary>Writes every byte to <paramref name="fd"/> with write(2), again after EINTR; false when the descriptor refuses.</summary>
    internal static unsafe bool WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            int written = 0;
            while (written < bytes.Length)
            {
                nint result = Interop.Libc.Write(fd, start + written, (nuint)(bytes.Length - written));
                if (result < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == (int)Interop.Errno.EINTR)
                {
                    continue;
                }

                if (result <= 0)
                {
                    return false;
                }

                written += (int)result;
            }
        }

        return true;
    }
}
