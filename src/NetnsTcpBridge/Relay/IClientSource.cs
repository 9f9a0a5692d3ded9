namespace NetnsTcpBridge.Relay;

/// <summary>What <see cref="IClientSource.TryTake"/> found.</summary>
public enum ClientTake
{
    /// <summary>A client was taken.</summary>
    Client,

    /// <summary>No client is waiting now; the readiness descriptor will tell when one is.</summary>
    NoneYet,

    /// <summary>
    /// A client is waiting but could not be taken for want of descriptors or memory: it stays in
    /// the kernel's queue, and the loop leaves this source alone for a moment rather than spin.
    /// </summary>
    OutOfResources,

    /// <summary>No client will ever come again from this descriptor.</summary>
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
/// Where the relay's clients come from: one or more descriptors (listening sockets, one per
/// route). Every event loop watches each of <see cref="ReadinessDescriptors"/> (EPOLLIN |
/// EPOLLEXCLUSIVE) and takes clients itself, so a client goes from the kernel's accept queue to
/// the loop that will serve it without passing through another thread or process.
/// </summary>
public interface IClientSource
{
    IReadOnlyList<int> ReadinessDescriptors { get; }

    /// <summary>
    /// Takes one client from the descriptor at <paramref name="index"/> of
    /// <see cref="ReadinessDescriptors"/> without waiting; the caller owns the descriptors it
    /// returns. Callable from any thread.
    /// </summary>
    ClientTake TryTake(int index, out HandedOverClient client);
}
