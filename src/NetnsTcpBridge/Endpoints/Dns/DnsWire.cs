namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>Record types this resolver asks for or follows (RFC 1035 3.2.2, RFC 3596).</summary>
internal enum DnsRecordType : ushort
{
    A = 1,
    CNAME = 5,
    AAAA = 28,
}

/// <summary>Constants of the DNS message format (RFC 1035 4.1), spelled as in the RFC.</summary>
internal static class DnsWire
{
    public const int HeaderLength = 12;

    /// <summary>An encoded name is at most 255 bytes, its labels at most 63 (RFC 1035 2.3.4).</summary>
    public const int MaxNameLength = 255;

    public const int MaxLabelLength = 63;

    /// <summary>Without EDNS0 a UDP answer is at most 512 bytes; a longer one comes truncated (TC).</summary>
    public const int MaxUdpMessageLength = 512;

    public const ushort ClassIN = 1;

    // Header flag bits (the 16-bit word after the id).
    public const ushort FlagQR = 0x8000;
    public const ushort FlagTC = 0x0200;
    public const ushort FlagRD = 0x0100;
    public const ushort OpcodeMask = 0x7800;
    public const ushort RcodeMask = 0x000F;

    // Response codes.
    public const int NOERROR = 0;
    public const int FORMERR = 1;
    public const int SERVFAIL = 2;
    public const int NXDOMAIN = 3;
    public const int NOTIMP = 4;
    public const int REFUSED = 5;

    public static string RcodeName(int rcode) => rcode switch
    {
        NOERROR => "NOERROR",
        FORMERR => "FORMERR",
        SERVFAIL => "SERVFAIL",
        NXDOMAIN => "NXDOMAIN",
        NOTIMP => "NOTIMP",
        REFUSED => "REFUSED",
        _ => $"RCODE {rcode}",
    };
}
