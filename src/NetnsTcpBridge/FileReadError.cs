namespace NetnsTcpBridge;

/// <summary>
/// Why a file could not be read, in words. The executable is built with UseSystemResourceKeys,
/// which drops .NET's own exception texts (a missing file reads "IO_FileNotFound_FileName"), so
/// messages for users are made from the exception's kind instead.
/// </summary>
public static class FileReadError
{
    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "a directory on the way does not exist",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        IOException io => $"I/O error {io.HResult & 0xFFFF}",
        ArgumentException or NotSupportedException => "not a usable path",
        _ => e.GetType().Name,
    };
}
