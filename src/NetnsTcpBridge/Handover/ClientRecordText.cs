using System.Globalization;

namespace NetnsTcpBridge.Handover;

/// <summary>
/// The text of a client record: whether the listener prepared the socket (non-blocking,
/// TCP_NODELAY) and, when the bridge runs several rules, which route of the connector it is for.
/// "nonblock,nodelay" is a prepared client of route 0; "nonblock,nodelay;route=2" one of route 2;
/// an empty text an unprepared client of route 0 (a -S socket).
/// </summary>
public static class ClientRecordText
{
    private const string RouteKey = ";route=";

    /// <summary>The text for a prepared client of <paramref name="route"/>; worth keeping, as it is sent for every client.</summary>
    public static string Prepared(int route) => route == 0
        ? HandoverChannel.PreparedClient
        : string.Create(CultureInfo.InvariantCulture, $"{HandoverChannel.PreparedClient}{RouteKey}{route}");

    /// <summary>Reads a client record's text; false when it is not one this version writes.</summary>
    public static bool TryParse(string text, out bool prepared, out int route)
    {
        prepared = false;
        route = 0;
        if (text.Length == 0)
        {
            return true;
        }

        if (!text.StartsWith(HandoverChannel.PreparedClient, StringComparison.Ordinal))
        {
            return false;
        }

        prepared = true;
        var rest = text.AsSpan(HandoverChannel.PreparedClient.Length);
        if (rest.IsEmpty)
        {
            return true;
        }

        return rest.StartsWith(RouteKey, StringComparison.Ordinal)
            && int.TryParse(rest[RouteKey.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out route);
    }
}
