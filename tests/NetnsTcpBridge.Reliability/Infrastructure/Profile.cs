namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>
/// How big a run is: <c>full</c> (./reliability.sh) or <c>ci</c> (./reliability.sh --ci, bounded so
/// that CI stays within its budget). Chosen by the environment variable <c>NTB_RELIABILITY</c>;
/// without it every reliability test is skipped, so that the fast suite (./test.sh) stays fast.
/// </summary>
public static class Profile
{
    public const string EnvironmentVariable = "NTB_RELIABILITY";

    /// <summary>"full", "ci", or null when the suite was not asked for.</summary>
    public static string? Name
    {
        get
        {
            string? value = Environment.GetEnvironmentVariable(EnvironmentVariable);
            return value is "full" or "ci" ? value : null;
        }
    }

    public static bool IsFull => Name == "full";

    /// <summary>The full run's figure, or the bounded one in CI.</summary>
    public static T Pick<T>(T full, T ci) => IsFull ? full : ci;

    /// <summary>An integer override from the environment (e.g. NTB_SOAK_SECONDS), else the profile's value.</summary>
    public static int Setting(string variable, int full, int ci)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        return value is not null && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int parsed)
            ? parsed
            : Pick(full, ci);
    }
}
