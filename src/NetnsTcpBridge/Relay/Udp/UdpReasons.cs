namespace NetnsTcpBridge.Relay.Udp;

/// <summary>Why a datagram was dropped: the fixed vocabulary of the counters. New kinds may be added; names do not change.</summary>
public enum UdpDrop
{
    /// <summary>From a new client address while --max-udp-flows flows were open.</summary>
    FlowLimit,

    /// <summary>A new flow's socket could not be made or connected (no descriptor left, no route to the target).</summary>
    FlowSetupFailed,

    /// <summary>The socket it was to be sent on had no room (EAGAIN, ENOBUFS): UDP drops rather than waits.</summary>
    BufferFull,

    /// <summary>Longer than a datagram may be on the way out (EMSGSIZE), or than the receive buffer (cut by the kernel).</summary>
    TooLarge,

    /// <summary>Sending failed otherwise (a firewall's EPERM, or the flow ended on an error meanwhile).</summary>
    SendFailed,
}

/// <summary>Why a UDP flow ended.</summary>
public enum UdpFlowEnding
{
    /// <summary>No datagram either way for --udp-idle-timeout.</summary>
    IdleTimeout,

    /// <summary>The target answered with ICMP port unreachable (ECONNREFUSED on the flow's connected socket).</summary>
    Refused,

    /// <summary>Another error on the flow's socket: host or network unreachable, and the like.</summary>
    TargetError,

    /// <summary>The bridge stopped.</summary>
    Stopped,
}

/// <summary>The words for <see cref="UdpDrop"/> and <see cref="UdpFlowEnding"/>: snake_case for machines, prose for the log.</summary>
public static class UdpReasons
{
    public static IReadOnlyList<UdpDrop> AllDrops { get; } = Enum.GetValues<UdpDrop>();

    public static IReadOnlyList<UdpFlowEnding> AllEndings { get; } = Enum.GetValues<UdpFlowEnding>();

    public static string Name(UdpDrop drop) => drop switch
    {
        UdpDrop.FlowLimit => "flow_limit",
        UdpDrop.FlowSetupFailed => "flow_setup_failed",
        UdpDrop.BufferFull => "buffer_full",
        UdpDrop.TooLarge => "too_large",
        UdpDrop.SendFailed => "send_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(drop), drop, "unknown drop reason"),
    };

    public static string Text(UdpDrop drop) => Name(drop).Replace('_', ' ');

    public static string Name(UdpFlowEnding ending) => ending switch
    {
        UdpFlowEnding.IdleTimeout => "idle_timeout",
        UdpFlowEnding.Refused => "refused",
        UdpFlowEnding.TargetError => "target_error",
        UdpFlowEnding.Stopped => "stopped",
        _ => throw new ArgumentOutOfRangeException(nameof(ending), ending, "unknown flow ending"),
    };

    public static string Text(UdpFlowEnding ending) => ending switch
    {
        UdpFlowEnding.IdleTimeout => "idle timeout",
        UdpFlowEnding.Refused => "refused by the target (ICMP port unreachable)",
        UdpFlowEnding.TargetError => "target error",
        UdpFlowEnding.Stopped => "bridge stopped",
        _ => throw new ArgumentOutOfRangeException(nameof(ending), ending, "unknown flow ending"),
    };
}
