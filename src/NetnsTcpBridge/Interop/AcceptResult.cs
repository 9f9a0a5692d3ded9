namespace NetnsTcpBridge.Interop;

/// <summary>What one non-blocking accept4 gave, short of an error worth throwing.</summary>
internal enum AcceptOutcome
{
    /// <summary>A client's socket, in <see cref="AcceptResult.Socket"/>.</summary>
    Socket,

    /// <summary>No client in the queue (another thread took it), or a signal came first: EAGAIN, EINTR.</summary>
    NoneWaiting,

    /// <summary>The client went away, or a firewall refused it, before it was taken: ECONNABORTED, EPROTO, EPERM.</summary>
    ClientGone,

    /// <summary>Out of descriptors, or of kernel memory for one: EMFILE, ENFILE, ENOBUFS, ENOMEM. The client waits in the queue.</summary>
    DescriptorLimit,
}

/// <param name="Socket">The accepted socket (non-blocking, close-on-exec), owned by the caller; -1 for every other outcome.</param>
/// <param name="ErrorNumber">The errno behind any outcome but <see cref="AcceptOutcome.Socket"/>; 0 for a socket.</param>
internal readonly record struct AcceptResult(AcceptOutcome Outcome, int Socket, int ErrorNumber);
