using System.Globalization;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>
/// Measured figures of a scenario: written to the test output and appended, one line each, to
/// the file named by <c>NTB_RELIABILITY_RESULTS</c> (./reliability.sh prints it at the end and
/// docs/reliability.md quotes it). Lines read <c>scenario | figure | value</c>.
/// </summary>
public sealed class Figures
{
    public const string ResultsVariable = "NTB_RELIABILITY_RESULTS";

    private static readonly object FileGate = new();
    private readonly ITestOutputHelper _output;
    private readonly string _scenario;

    public Figures(ITestOutputHelper output, string scenario)
    {
        _output = output;
        _scenario = scenario;
    }

    public void Add(string figure, FormattableString value) => Add(figure, value.ToString(CultureInfo.InvariantCulture));

    public void Add(string figure, string value)
    {
        string line = $"{_scenario} | {figure} | {value}";
        _output.WriteLine(line);
        string? path = Environment.GetEnvironmentVariable(ResultsVariable);
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        lock (FileGate)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    /// <summary>Both parts' descriptor counts at the baseline and after the scenario.</summary>
    public void AddDescriptors(BridgeSample baseline, BridgeSample after, string more = "") =>
        Add("descriptors", $"listener {baseline.ListenerFds} -> {after.ListenerFds}, connector {baseline.ConnectorFds} -> {after.ConnectorFds}{more}");

    public static string Mib(long kib) => (kib / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}
