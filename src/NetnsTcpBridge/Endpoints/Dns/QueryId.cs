using System.Security.Cryptography;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>Query ids from the system's random source, so an off-path sender cannot guess them.</summary>
internal static class QueryId
{
    public static ushort Next() => (ushort)RandomNumberGenerator.GetInt32(0, 65536);
}
