using NetnsTcpBridge.Endpoints.Dns;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints.Dns;

public sealed class DnsQueryWriterTests
{
    [Fact]
    public void Query_HasTheIdRecursionDesiredOneQuestionAndTheLabels()
    {
        byte[] query = DnsQueryWriter.Write(0xBEEF, "backend.test", DnsRecordType.A)!;

        byte[] expected =
        [
            0xBE, 0xEF, // id
            0x01, 0x00, // flags: RD only
            0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // QDCOUNT 1, the others 0
            7, (byte)'b', (byte)'a', (byte)'c', (byte)'k', (byte)'e', (byte)'n', (byte)'d',
            4, (byte)'t', (byte)'e', (byte)'s', (byte)'t',
            0, // root
            0x00, 0x01, // QTYPE A
            0x00, 0x01, // QCLASS IN
        ];
        Assert.Equal(expected, query);
    }

    [Fact]
    public void AaaaQuery_HasType28_AndATrailingDotChangesNothing()
    {
        byte[] query = DnsQueryWriter.Write(1, "db.example.", DnsRecordType.AAAA)!;

        Assert.Equal(DnsQueryWriter.Write(1, "db.example", DnsRecordType.AAAA), query);
        Assert.Equal([0x00, 28, 0x00, 0x01], query[^4..]);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData("näme.test")]
    public void NotADnsName_WritesNoQuery(string name) =>
        Assert.Null(DnsQueryWriter.Write(1, name, DnsRecordType.A));

    [Fact]
    public void LabelsAndNames_AreBoundedAsRfc1035Says()
    {
        Assert.NotNull(DnsQueryWriter.EncodeName(new string('a', 63) + ".test"));
        Assert.Null(DnsQueryWriter.EncodeName(new string('a', 64) + ".test"));

        // 4 labels of 63 bytes: 4 * 64 + 1 = 257 bytes encoded, over 255; 3 labels and a short one fit.
        string label = new('a', 63);
        Assert.Null(DnsQueryWriter.EncodeName($"{label}.{label}.{label}.{label}"));
        Assert.Equal(255, DnsQueryWriter.EncodeName($"{label}.{label}.{label}.{new string('b', 61)}")!.Length);
    }
}
