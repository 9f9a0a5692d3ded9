namespace NetnsTcpBridge.Bridge;

/// <summary>What a forward relays: TCP connections (the default) or UDP datagrams (<c>udp:</c> addresses).</summary>
public enum ForwardProtocol
{
    /// <summary>Connections: accept in the listen netns, connect from the connect netns, relay both ways.</summary>
    Tcp,

    /// <summary>Datagrams: one flow per client address, each with a connected UDP socket in the connect netns.</summary>
    Udp,
}
