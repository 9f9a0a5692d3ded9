namespace NetnsTcpBridge.Interop;

/// <summary>The Linux errno values this program reacts to, spelled as in C so they can be grepped.</summary>
internal enum Errno
{
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOTTY = 25,
    EPIPE = 32,
    ENOTSOCK = 88,
    EPROTO = 71,
    ENOBUFS = 105,
    ETOOMANYREFS = 109,
    ECONNABORTED = 103,
    ECONNRESET = 104,
    ENOTCONN = 107,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ETIMEDOUT = 110,
    ECONNREFUSED = 111,
    EHOSTUNREACH = 113,
    EALREADY = 114,
    EINPROGRESS = 115,
    ENETUNREACH = 101,
}
