using System.Globalization;
using System.Text;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// Just enough HTTP/1.x for a scraper: <c>GET</c> or <c>HEAD</c> of <c>/metrics</c> (any query
/// string) gets the counters; anything else gets a short error. One request per connection
/// (<c>Connection: close</c>); a request body is never read.
/// </summary>
internal static class MetricsHttp
{
    public const string Path = "/metrics";

    /// <summary>The most a request head may take; a scraper's is a few hundred bytes.</summary>
    public const int MaxRequestBytes = 8192;

    /// <summary>Where the request head ends (just past its blank line), or -1 while it has not all arrived.</summary>
    public static int HeadLength(ReadOnlySpan<byte> received)
    {
        int crlf = received.IndexOf("\r\n\r\n"u8);
        int lf = received.IndexOf("\n\n"u8);
        return (crlf, lf) switch
        {
            (< 0, < 0) => -1,
            (< 0, _) => lf + 2,
            (_, < 0) => crlf + 4,
            _ => Math.Min(crlf + 4, lf + 2),
        };
    }

    /// <summary>
    /// The whole response to the request head <paramref name="head"/>; <paramref name="render"/>
    /// makes the counters' text, or null when they cannot be had now (503).
    /// </summary>
    public static byte[] Respond(ReadOnlySpan<byte> head, Func<string?> render)
    {
        int lineEnd = head.IndexOf((byte)'\n');
        string line = Encoding.ASCII.GetString(lineEnd < 0 ? head : head[..lineEnd]).TrimEnd('\r');
        string[] parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[2].Length != 8 || parts[1].Length == 0)
        {
            return Error(400, "Bad Request", "not an HTTP/1.x request line");
        }

        string method = parts[0];
        if (method is not ("GET" or "HEAD"))
        {
            return Error(405, "Method Not Allowed", $"only GET and HEAD of {Path}", "Allow: GET, HEAD\r\n");
        }

        string target = parts[1];
        int query = target.IndexOf('?', StringComparison.Ordinal);
        if ((query < 0 ? target : target[..query]) != Path)
        {
            return Error(404, "Not Found", $"the metrics are at {Path}", string.Empty, method == "HEAD");
        }

        return render() is { } counters
            ? Build(200, "OK", OpenMetricsText.ContentType, counters, string.Empty, includeBody: method == "GET")
            : Error(503, "Service Unavailable", "a connector part did not report its counters in time; try again", "Retry-After: 1\r\n", method == "HEAD");
    }

    /// <summary>For a request head larger than <see cref="MaxRequestBytes"/>.</summary>
    public static byte[] TooLarge() => Error(431, "Request Header Fields Too Large", $"a request head of more than {MaxRequestBytes} bytes");

    private static byte[] Error(int status, string reason, string message, string extraHeaders = "", bool headOnly = false) =>
        Build(status, reason, "text/plain; charset=utf-8", $"{status} {reason}: {message}\n", extraHeaders, includeBody: !headOnly);

    private static byte[] Build(int status, string reason, string contentType, string body, string extraHeaders, bool includeBody)
    {
        byte[] content = Encoding.UTF8.GetBytes(body);
        string head = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {content.Length}\r\n{extraHeaders}Cache-Control: no-store\r\nConnection: close\r\n\r\n");
        byte[] headBytes = Encoding.ASCII.GetBytes(head);
        return includeBody ? [.. headBytes, .. content] : headBytes;
    }
}
