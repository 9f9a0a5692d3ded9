using System.Text;
using NetnsTcpBridge.Metrics;
using Xunit;

namespace NetnsTcpBridge.Tests.Metrics;

public class MetricsHttpTests
{
    private const string Body = "# EOF\n";

    [Theory]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 34)]
    [InlineData("GET /metrics HTTP/1.0\n\n", 23)]
    [InlineData("GET /metrics HTTP/1.1\r\n\r\nextra", 25)]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: x\r\n", -1)]
    [InlineData("", -1)]
    public void HeadLength_FindsTheBlankLine(string received, int expected)
    {
        Assert.Equal(expected, MetricsHttp.HeadLength(Encoding.ASCII.GetBytes(received)));
    }

    [Theory]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/openmetrics-text\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.0\r\n\r\n")]
    [InlineData("GET /metrics?name[]=x HTTP/1.1\r\n\r\n")]
    public void Get_OfMetrics_IsTheCountersInOpenMetricsText(string request)
    {
        string response = Respond(request);

        Assert.Equal(
            "HTTP/1.1 200 OK\r\nContent-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\nContent-Length: 6\r\n" +
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n# EOF\n",
            response);
    }

    [Fact]
    public void Head_OfMetrics_HasTheHeadersAndNoBody()
    {
        string response = Respond("HEAD /metrics HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 6\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "404 Not Found")]
    [InlineData("GET /metrics/ HTTP/1.1\r\n\r\n", "404 Not Found")]
    [InlineData("GET /metricsx HTTP/1.1\r\n\r\n", "404 Not Found")]
    [InlineData("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n", "405 Method Not Allowed")]
    [InlineData("get /metrics HTTP/1.1\r\n\r\n", "405 Method Not Allowed")]
    [InlineData("GET /metrics HTTP/2.0\r\n\r\n", "400 Bad Request")]
    [InlineData("GET /metrics\r\n\r\n", "400 Bad Request")]
    [InlineData("GET  /metrics HTTP/1.1\r\n\r\n", "400 Bad Request")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001\r\n\r\n", "400 Bad Request")]
    public void OtherRequests_GetAnErrorAndNoCounters(string request, string status)
    {
        string response = Respond(request);

        Assert.StartsWith($"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n", response, StringComparison.Ordinal);
        Assert.DoesNotContain(Body, response, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public void MethodNotAllowed_SaysWhichAre()
    {
        Assert.Contains("Allow: GET, HEAD\r\n", Respond("DELETE /metrics HTTP/1.1\r\n\r\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public void CountersUnavailable_Is503WithRetryAfter(string method)
    {
        string response = Encoding.UTF8.GetString(MetricsHttp.Respond(Encoding.ASCII.GetBytes($"{method} /metrics HTTP/1.1\r\n\r\n"), () => null));

        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Retry-After: 1\r\n", response, StringComparison.Ordinal);
        Assert.Equal(method == "GET", response.Contains("did not report", StringComparison.Ordinal));
    }

    [Fact]
    public void TooLarge_Is431()
    {
        Assert.StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n", Encoding.ASCII.GetString(MetricsHttp.TooLarge()), StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorResponses_DoNotRenderTheCounters()
    {
        int renders = 0;
        _ = MetricsHttp.Respond("GET /other HTTP/1.1\r\n\r\n"u8, () => { renders++; return Body; });

        Assert.Equal(0, renders);
    }

    private static string Respond(string request) =>
        Encoding.UTF8.GetString(MetricsHttp.Respond(Encoding.ASCII.GetBytes(request), () => Body));
}
