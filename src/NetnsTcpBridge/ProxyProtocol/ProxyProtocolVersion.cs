namespace NetnsTcpBridge.ProxyProtocol;

/// <summary>Which PROXY protocol header the bridge writes to the target before the client's bytes.</summary>
public enum ProxyProtocolVersion
{
    /// <summary>No header: the target sees the bridge as its client. The default.</summary>
    None = 0,

    /// <summary>The human-readable line, e.g. <c>PROXY TCP4 192.0.2.1 192.0.2.2 56324 443\r\n</c>.</summary>
    V1 = 1,

    /// <summary>The binary header that starts with the 12-byte signature.</summary>
    V2 = 2,
}
