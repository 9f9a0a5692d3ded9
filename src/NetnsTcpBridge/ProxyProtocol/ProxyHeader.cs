using System.Net;

namespace NetnsTcpBridge.ProxyProtocol;

/// <summary>
/// A PROXY protocol header received from a front proxy. <see cref="Source"/> and
/// <see cref="Destination"/> are null when the header carries no addresses to use (v1 UNKNOWN,
/// v2 LOCAL, or a v2 family other than TCP over IPv4/IPv6): the connection's own endpoints stand.
/// </summary>
/// <param name="Version">1 or 2.</param>
/// <param name="Kind">What the header announced, for messages: TCP4, TCP6, UNKNOWN, LOCAL, UNSPEC, UDP4, UNIX...</param>
public readonly record struct ProxyHeader(int Version, string Kind, IPEndPoint? Source, IPEndPoint? Destination)
{
    public bool HasAddresses => Source is not null && Destination is not null;
}

/// <summary>What <see cref="ProxyHeaderParser.TryParse"/> found in the bytes received so far.</summary>
public enum ProxyHeaderStatus
{
    /// <summary>Nothing wrong yet, but the header is not complete: wait for more bytes.</summary>
    Incomplete,

    /// <summary>A whole, valid header; its length is known.</summary>
    Complete,

    /// <summary>Not a valid header, whatever follows: the connection must be dropped.</summary>
    Invalid,
}
