namespace NetnsTcpBridge.Relay;

// Passing a reset on: the survivor is reset only once what was already written to it has left.
internal sealed partial class RelayConnection
{
    private void BeginReset(int survivor)
    {
        _upload?.Release();
        _download?.Release();
        _context.Loop.StopIdleTracking(this);
        _survivorToReset = survivor;
        Phase = RelayPhase.Resetting;
        DeadlineTicks = Environment.TickCount64 + (long)ResetDrainLimit.TotalMilliseconds;
        FinishResetWhenDrained();
        if (!IsClosed)
        {
            _context.Loop.TrackResetDrain(this);
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
