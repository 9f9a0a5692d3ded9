using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

/// <summary>A failed system call: names the call, what it was applied to, and the errno.</summary>
public sealed class SyscallException : Exception
{
    public SyscallException(string call, string subject, int errno)
        : base($"{call}({subject}): {Marshal.GetPInvokeErrorMessage(errno)}")
    {
        Call = call;
        Subject = subject;
        ErrorNumber = errno;
    }

    /// <summary>The system call that failed, e.g. <c>setns</c>.</summary>
    public string Call { get; }

    /// <summary>What it was applied to, e.g. a path or a file descriptor number.</summary>
    public string Subject { get; }

    /// <summary>The raw errno value.</summary>
    public int ErrorNumber { get; }

    internal Errno Errno => (Errno)ErrorNumber;

    /// <summary>The C error text alone, e.g. "Operation not permitted".</summary>
    public string Reason => Marshal.GetPInvokeErrorMessage(ErrorNumber);

    /// <summary>"ECONNRESET (Connection reset by peer)": the C name for grepping, the text for reading.</summary>
    internal static string DescribeErrno(int errno) =>
        Enum.IsDefined((Errno)errno) ? $"{(Errno)errno} ({Marshal.GetPInvokeErrorMessage(errno)})" : Marshal.GetPInvokeErrorMessage(errno);

    internal static SyscallException FromLastError(string call, string subject) =>
        new(call, subject, Marshal.GetLastPInvokeError());
}
