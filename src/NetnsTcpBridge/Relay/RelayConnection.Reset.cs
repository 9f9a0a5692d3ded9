namespace NetnsTcpBridge.Relay;

// Passing a reset on: the survivor is reset only once what was already written to it has left.
internal sealed partial class RelayConnection
{
    /// <summary>How long a reset waits for bytes already written to the survivor to be delivered.</summary>
    internal static readonly TimeSpan ResetDrainLimit = TimeSpan.FromSeconds(2);

    /// <summary>The loop's next look at the survivor while a reset waits; null before a reset.</summary>
    public ResetDrainCheck? ResetDrain { get; private set; }

    private void BeginReset(int survivor)
    {
        _upload?.Release();
        _download?.Release();
        _context.Loop.StopIdleTracking(this);
        _survivorToReset = survivor;
        Phase = RelayPhase.Resetting;
        long now = Environment.TickCount64;
        DeadlineTicks = now + (long)ResetDrainLimit.TotalMilliseconds;
        FinishResetWhenDrained();
        if (!IsClosed)
        {
            ResetDrain = new ResetDrainCheck(this, now, DeadlineTicks);
            _context.Loop.TrackResetDrain(ResetDrain);
        }
    }

    /// <summary>
    /// A reset throws away whatever the survivor's socket has not sent yet. Bytes the dead side
    /// sent before it failed were already written there, so wait until they have left.
    /// </summary>
    internal void FinishResetWhenDrained()
    {
        if (Phase == RelayPhase.Resetting && ServerConnector.UnsentBytes(_survivorToReset) <= 0)
        {
            ResetSurvivor();
        }
    }

    private void ResetSurvivor() => Close(reset: true);
}
