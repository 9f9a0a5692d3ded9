namespace NetnsTcpBridge.Logging;

/// <summary>
/// Text for standard output (--help, --version) written with write(2). System.Console would pull
/// its terminal handling into the native executable, which every process of the bridge then
/// carries in memory, for two messages.
/// </summary>
public static class StandardOutput
{
    public static unsafe void Write(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        fixed (byte* start = bytes)
        {
            int written = 0;
            while (written < bytes.Length)
            {
                nint result = Interop.Libc.Write(1, start + written, (nuint)(bytes.Length - written));
                if (result < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == (int)Interop.Errno.EINTR)
                {
                    continue;
                }

                if (result <= 0)
                {
                    return; // stdout closed (e.g. piped into head): nothing more to say
                }

                written += (int)result;
            }
        }
    }
}
