using System.Text.Json;

namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>Reading the bridge's stderr as log lines: waiting for one, and parsing --log-format json.</summary>
public static class LogLines
{
    /// <summary>Polls <paramref name="read"/> until a line satisfies <paramref name="match"/>; fails (does not hang) after <paramref name="timeout"/>.</summary>
    public static async Task<string> WaitForLineAsync(Func<string> read, Func<string, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string text = read();
            string? line = Split(text).FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no log line {what} within {timeout.TotalSeconds} s; stderr: \"{text.TrimEnd()}\"");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public static IReadOnlyList<string> Split(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Parses one --log-format json line; fails with the line when it is not one JSON object.</summary>
    public static JsonDocument ParseJson(string line)
    {
        try
        {
            var document = JsonDocument.Parse(line);
            Assert.True(document.RootElement.ValueKind == JsonValueKind.Object, $"not a JSON object: {line}");
            return document;
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"not valid JSON ({e.Message}): {line}");
        }
    }

    /// <summary>True for a JSON close line of the client whose address is <paramref name="client"/> (any client when null).</summary>
    public static bool IsJsonClose(string line, string? client = null)
    {
        if (!line.Contains("\"event\":\"close\"", StringComparison.Ordinal))
        {
            return false;
        }

        using var document = ParseJson(line);
        return client is null || document.RootElement.GetProperty("client").GetString() == client;
    }

    /// <summary>True for a text close line of the client whose address is <paramref name="client"/>.</summary>
    public static bool IsTextClose(string line, string client) =>
        line.Contains($": closed {client} -> ", StringComparison.Ordinal);
}
