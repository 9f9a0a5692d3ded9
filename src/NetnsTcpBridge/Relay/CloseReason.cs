namespace NetnsTcpBridge.Relay;

/// <summary>
/// Why a relayed connection ended: the fixed vocabulary of the close line's "reason" and of the
/// counters. New kinds may be added; the words of existing ones do not change.
/// </summary>
public enum CloseReason
{
    /// <summary>Both sides closed their sending side (FIN), and each FIN was passed on.</summary>
    FinBothWays,

    /// <summary>The client's side failed (a reset, a broken pipe); the server was reset in turn.</summary>
    ResetByClient,

    /// <summary>The server's side failed; the client was reset in turn.</summary>
    ResetByServer,

    /// <summary>The target refused the connection (ECONNREFUSED); the client was reset.</summary>
    ConnectRefused,

    /// <summary>Connecting to the target failed otherwise (unreachable, no socket…); the client was reset.</summary>
    ConnectFailed,

    /// <summary>The target did not answer within --connect-timeout; the client was reset.</summary>
    ConnectTimeout,

    /// <summary>No byte moved either way for --idle-timeout; both sides were reset.</summary>
    IdleTimeout,

    /// <summary>Still open when the drain time after a stop signal ran out; both sides were reset.</summary>
    ResetAtEndOfDrain,

    /// <summary>The client's address already had --max-connections-per-source open; the client was reset at once.</summary>
    RefusedByPerSourceLimit,

    /// <summary>The bridge stopped at once (a second stop signal, the listener part gone); both sides were reset.</summary>
    ResetOnStop,

    /// <summary>An internal fault in this connection; both sides were reset, the others go on.</summary>
    InternalError,

    /// <summary>With --accept-proxy: the client's PROXY header was malformed, too long, late or cut short; the client was reset.</summary>
    BadProxyHeader,

    /// <summary>With --accept-proxy-from: the client's own address is in none of its prefixes; it was reset before a byte was read.</summary>
    RefusedUntrustedProxy,
}

/// <summary>The words for each <see cref="CloseReason"/>, as they appear in logs and counters.</summary>
public static class CloseReasons
{
    public static IReadOnlyList<CloseReason> All { get; } = Enum.GetValues<CloseReason>();

    /// <summary>
    /// The reason as one snake_case word, for machines: the metrics endpoint's <c>reason</c> label,
    /// the statistics link's keys and the JSON stats keys (<c>ended_</c> + name). Spelled out rather
    /// than derived from <see cref="Text"/>, so that these names stay put whatever the prose does.
    /// </summary>
    public static string Name(CloseReason reason) => reason switch
    {
        CloseReason.FinBothWays => "fin_both_ways",
        CloseReason.ResetByClient => "reset_by_client",
        CloseReason.ResetByServer => "reset_by_server",
        CloseReason.ConnectRefused => "connect_refused",
        CloseReason.ConnectFailed => "connect_failed",
        CloseReason.ConnectTimeout => "connect_timeout",
        CloseReason.IdleTimeout => "idle_timeout",
        CloseReason.ResetAtEndOfDrain => "reset_at_end_of_drain",
        CloseReason.RefusedByPerSourceLimit => "refused_by_per_source_limit",
        CloseReason.ResetOnStop => "reset_on_stop",
        CloseReason.InternalError => "internal_error",
        CloseReason.BadProxyHeader => "bad_proxy_header",
        CloseReason.RefusedUntrustedProxy => "refused_untrusted_proxy",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown close reason"),
    };

    /// <summary>The reason in words, as the close line and SIGUSR1's text line give it.</summary>
    public static string Text(CloseReason reason) => reason switch
    {
        CloseReason.FinBothWays => "FIN both ways",
        CloseReason.ResetByClient => "reset by client",
        CloseReason.ResetByServer => "reset by server",
        CloseReason.ConnectRefused => "connect refused",
        CloseReason.ConnectFailed => "connect failed",
        CloseReason.ConnectTimeout => "connect timeout",
        CloseReason.IdleTimeout => "idle timeout",
        CloseReason.ResetAtEndOfDrain => "reset at end of drain",
        CloseReason.RefusedByPerSourceLimit => "refused by per-source limit",
        CloseReason.ResetOnStop => "reset on stop",
        CloseReason.InternalError => "internal error",
        CloseReason.BadProxyHeader => "bad PROXY header",
        CloseReason.RefusedUntrustedProxy => "refused untrusted proxy",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown close reason"),
    };
}
