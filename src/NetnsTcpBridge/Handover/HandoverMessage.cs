using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Handover;

/// <summary>One received message: its kind, its text and the descriptor it carried, if any.</summary>
public sealed class HandoverMessage : IDisposable
{
    public HandoverMessage(HandoverMessageKind kind, string text, FileDescriptor? descriptor)
    {
        Kind = kind;
        Text = text;
        Descriptor = descriptor;
    }

    public HandoverMessageKind Kind { get; }

    public string Text { get; }

    /// <summary>The received descriptor, owned by this message until someone calls <see cref="TakeDescriptor"/>.</summary>
    public FileDescriptor? Descriptor { get; private set; }

    /// <summary>Moves ownership of the carried descriptor to the caller.</summary>
    public FileDescriptor? TakeDescriptor()
    {
        var descriptor = Descriptor;
        Descriptor = null;
        return descriptor;
    }

    public void Dispose() => Descriptor?.Dispose();
}
