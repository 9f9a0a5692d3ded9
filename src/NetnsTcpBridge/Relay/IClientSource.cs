namespace NetnsTcpBridge.Relay;

/// <summary>What <see cref="IClientSource.TryTake"/> found.</summary>
public enum ClientTake
{
    /// <summary>A client was taken.</summary>
    Client,

    /// <summary>No client is waiting now; the readiness descriptor will tell when one is.</summary>
    NoneYet,

    /// <summary>No client will ever come again.</summary>
    Finished,
}

/// <summary>
/// A client for the relay: its socket, and the server socket to use (a pre-connected one), or -1
/// to connect to the target. <paramref name="Prepared"/>: the client socket is already
/// non-blocking with TCP_NODELAY. <paramref name="Route"/>: which of the engine's routes (forwarding
/// rules) the client came in by.
/// </summary>
public readonly record struct HandedOverClient(int Client, int Server, bool Prepared, int Route = 0);

/// <summary>
/// Where the relay's clients come from. Every event loop watches <see cref="ReadinessDescriptor"/>
/// (EPOLLIN | EPOLLEXCLUSIVE) and takes clients itself, so a client goes from the kernel to the
/// loop that will serve it without passing through another thread.
/// </summary>
public interface IClientSource
{
    int ReadinessDescriptor { get; }

    /// <summary>Takes one client without waiting; the caller owns the descriptors it returns. Callable from any thread.</summary>
    ClientTake TryTake(out HandedOverClient client);
}
