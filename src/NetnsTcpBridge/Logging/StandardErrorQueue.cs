namespace NetnsTcpBridge.Logging;

/// <summary>
/// Log lines of threads that must never wait for stderr (the relay event loops), written by a
/// thread of their own. stderr may be a pipe that is read slowly or not at all (a stopped pager,
/// a hung log collector); a blocking write(2) from an event loop would stop every connection of
/// that loop. The queue holds at most <see cref="MaxQueuedBytes"/>: past that, lines are dropped
/// and counted, and the writer says how many once stderr takes lines again.
/// </summary>
internal static class StandardErrorQueue
{
    internal const int MaxQueuedBytes = 256 * 1024;

    private static readonly Queue<byte[]> Lines = new();
    private static readonly object Gate = new();
    private static int s_queuedBytes;
    private static long s_dropped;
    private static bool s_writing;
    private static Thread? s_writer;

    /// <summary>
    /// stderr is a regular file: a write there never waits for a reader, so event loops write
    /// directly and lines keep their place among the others. Pipes, sockets (the journal) and
    /// terminals (which can be stopped with Ctrl-S) go through the queue. Looked up once.
    /// </summary>
    public static bool StandardErrorIsAFile { get; } = Interop.Libc.FileType(Interop.Libc.STDERR_FILENO) == Interop.Libc.S_IFREG;

    /// <summary>Queues a line for the writer thread; drops it (counted) when the queue is full.</summary>
    public static void Enqueue(byte[] line)
    {
        lock (Gate)
        {
            if (s_queuedBytes + line.Length > MaxQueuedBytes)
            {
                s_dropped++;
                return;
            }

            Lines.Enqueue(line);
            s_queuedBytes += line.Length;
            if (s_writer is null)
            {
                s_writer = new Thread(WriteLines) { IsBackground = true, Name = "stderr writer" };
                s_writer.Start();
            }

            Monitor.Pulse(Gate);
        }
    }

    /// <summary>Waits until the queued lines are written, at most <paramref name="limit"/> (before an exit).</summary>
    public static void Flush(TimeSpan limit)
    {
        long deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        lock (Gate)
        {
            while ((Lines.Count > 0 || s_writing) && Environment.TickCount64 < deadline)
            {
                Monitor.Wait(Gate, (int)Math.Max(1, deadline - Environment.TickCount64));
            }
        }
    }

    private static void WriteLines()
    {
        while (true)
        {
            byte[] line;
            long dropped;
            lock (Gate)
            {
                s_writing = false;
                Monitor.PulseAll(Gate);
                while (Lines.Count == 0)
                {
                    Monitor.Wait(Gate);
                }

                line = Lines.Dequeue();
                s_queuedBytes -= line.Length;
                dropped = s_dropped;
                s_dropped = 0;
                s_writing = true;
            }

            Log.WriteNow(line);
            if (dropped > 0)
            {
                Log.WriteNow(System.Text.Encoding.UTF8.GetBytes(Log.FormatLine(LogLevel.Warning, $"{dropped} log line(s) dropped: stderr was not read fast enough")));
            }
        }
    }
}
