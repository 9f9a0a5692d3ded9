namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>The names to ask for, in order, for a name as given (glibc's res_search).</summary>
internal static class SearchList
{
    /// <summary>
    /// A name with a trailing dot is asked for as it is, and only so. Otherwise a name with at least
    /// <c>ndots</c> dots is asked for as it is first; then with each search domain appended; then,
    /// if not yet asked for, as it is. A root domain ("." ) on the search list stands for the name
    /// as it is, at that place.
    /// </summary>
    public static IReadOnlyList<string> Candidates(string host, ResolverConfig config)
    {
        if (host.EndsWith('.'))
        {
            return [host[..^1]];
        }

        var names = new List<string>();
        int dots = host.Count(c => c == '.');
        if (dots >= config.Ndots)
        {
            names.Add(host);
        }

        foreach (string domain in config.Search)
        {
            string suffix = domain.Trim('.');
            names.Add(suffix.Length == 0 ? host : $"{host}.{suffix}");
        }

        names.Add(host);
        return [.. names.Distinct(StringComparer.OrdinalIgnoreCase)];
    }
}
