namespace NetnsTcpBridge.Handover;

/// <summary>
/// A client record arrived but the kernel could not install its descriptor in this process
/// (MSG_CTRUNC, typically because of EMFILE). The client is lost; the channel is fine.
/// </summary>
public sealed class HandoverDescriptorLostException : Exception
{
    public HandoverDescriptorLostException()
        : base("a client's descriptor could not be received: this process is out of file descriptors")
    {
    }
}
