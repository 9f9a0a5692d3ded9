using System.Net;
using NetnsTcpBridge.Endpoints.Dns;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints.Dns;

public sealed class DnsAnswerParserTests
{
    private const ushort Id = 0x4242;
    private const ushort TypeA = 1;
    private const ushort TypeCname = 5;
    private const ushort TypeAaaa = 28;
    private const string Name = "backend.test";

    [Fact]
    public void ARecord_GivesItsAddress()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeA).A(Name, "10.1.2.3").ToArray();

        AssertAddresses(Parse(answer), "10.1.2.3");
    }

    [Fact]
    public void AaaaRecords_GiveTheirAddressesInOrder()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 2).Question(Name, TypeAaaa)
            .Aaaa(Name, "fd00::2").Aaaa(Name, "::1").ToArray();

        AssertAddresses(Parse(answer, DnsRecordType.AAAA), "fd00::2", "::1");
    }

    [Fact]
    public void NamesAreComparedWithoutRegardToCase()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 1).Question("BACKEND.Test", TypeA).A("Backend.TEST", "10.1.2.3").ToArray();

        AssertAddresses(Parse(answer), "10.1.2.3");
    }

    [Fact]
    public void CnameThenA_FollowsTheChain_AndIgnoresRecordsOfOtherNames()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 4).Question(Name, TypeA)
            .A("unrelated.test", "10.9.9.9")
            .Cname(Name, "alias.test")
            .Cname("alias.test", "real.test")
            .A("real.test", "10.1.2.3")
            .ToArray();

        AssertAddresses(Parse(answer), "10.1.2.3");
    }

    [Fact]
    public void CompressionPointers_InOwnersAndInCnameData_AreFollowed()
    {
        var builder = new DnsMessageBuilder(Id, answers: 2).Question(Name, TypeA);

        // CNAME backend.test -> "real" + pointer to "test" inside the question name (offset 12 + 8).
        int cnameData = builder.Length + 2 + 10;
        builder.RecordAt(DnsMessageBuilder.QuestionNameOffset, TypeCname, [4, (byte)'r', (byte)'e', (byte)'a', (byte)'l', 0xC0, 20]);

        // A record owned by a pointer to that CNAME's data: real.test.
        builder.RecordAt(cnameData, TypeA, [10, 1, 2, 3]);

        AssertAddresses(Parse(builder.ToArray()), "10.1.2.3");
    }

    [Fact]
    public void NoErrorWithoutAnAddressOfThatType_IsNoData()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeAaaa).A(Name, "10.1.2.3").ToArray();

        Assert.IsType<DnsReply.NoData>(Parse(answer, DnsRecordType.AAAA));
    }

    [Fact]
    public void NxDomain_IsNoSuchName()
    {
        byte[] answer = new DnsMessageBuilder(Id, rcode: 3).Question(Name, TypeA).ToArray();

        Assert.IsType<DnsReply.NoSuchName>(Parse(answer));
    }

    [Theory]
    [InlineData(2)] // SERVFAIL
    [InlineData(5)] // REFUSED
    public void OtherErrorCodes_AreServerErrors_EvenWithoutTheQuestion(int rcode)
    {
        byte[] answer = new DnsMessageBuilder(Id, rcode: rcode, questions: 0).ToArray();

        Assert.Equal(new DnsReply.ServerError(rcode), Parse(answer));
    }

    [Fact]
    public void TruncatedAnswer_IsTruncated_WhateverFollowsTheHeader()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 3, extraFlags: DnsMessageBuilder.TC).Question(Name, TypeA).A(Name, "10.1.2.3").ToArray();

        Assert.IsType<DnsReply.Truncated>(Parse(answer));
    }

    [Fact]
    public void WrongId_IsNotOurs()
    {
        byte[] answer = new DnsMessageBuilder(Id + 1, answers: 1).Question(Name, TypeA).A(Name, "10.1.2.3").ToArray();

        Assert.IsType<DnsReply.NotOurs>(Parse(answer));
    }

    [Fact]
    public void AQueryRatherThanAnAnswer_IsNotOurs()
    {
        byte[] query = DnsQueryWriter.Write(Id, Name, DnsRecordType.A)!;

        Assert.IsType<DnsReply.NotOurs>(Parse(query));
    }

    [Theory]
    [InlineData("other.test", TypeA)]
    [InlineData(Name, TypeAaaa)]
    public void AnswerToAnotherQuestion_IsNotOurs(string name, ushort type)
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 1).Question(name, type).A(name, "10.1.2.3").ToArray();

        Assert.IsType<DnsReply.NotOurs>(Parse(answer));
    }

    [Fact]
    public void PointerToItself_IsMalformed()
    {
        var builder = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeA);
        builder.Pointer(builder.Length).RecordTail(TypeA, [10, 1, 2, 3]);

        Assert.Contains("does not point backwards", MalformedReason(Parse(builder.ToArray())), StringComparison.Ordinal);
    }

    [Fact]
    public void PointerToALaterOffset_IsMalformed()
    {
        var builder = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeA);
        builder.Pointer(builder.Length + 2).Bytes(0).RecordTail(TypeA, [10, 1, 2, 3]);

        Assert.Contains("does not point backwards", MalformedReason(Parse(builder.ToArray())), StringComparison.Ordinal);
    }

    [Fact]
    public void PointersThatEachPointBackButTogetherLoop_AreMalformed()
    {
        // A record of an unknown type carries "a" + a pointer back to that "a" as data; a second
        // record's owner points at it. Every pointer points before itself, yet following them
        // would never end.
        var builder = new DnsMessageBuilder(Id, answers: 2).Question(Name, TypeA);
        int loop = builder.Length + Name.Length + 2 + 10;
        builder.Record(Name, 99, [1, (byte)'a', (byte)(0xC0 | (loop >> 8)), (byte)loop]);
        builder.RecordAt(loop, TypeA, [10, 1, 2, 3]);

        Assert.Contains("does not point backwards", MalformedReason(Parse(builder.ToArray())), StringComparison.Ordinal);
    }

    [Fact]
    public void PointerPastTheEnd_IsMalformed()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeA).Pointer(0x3FFF).ToArray();

        Assert.IsType<DnsReply.Malformed>(Parse(answer));
    }

    [Fact]
    public void UnknownLabelType_IsMalformed()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeA).Bytes(0x41, (byte)'x', 0).ToArray();

        Assert.Contains("unknown label type", MalformedReason(Parse(answer)), StringComparison.Ordinal);
    }

    [Fact]
    public void NameLongerThan255Bytes_IsMalformed()
    {
        var builder = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeA);
        for (int i = 0; i < 5; i++)
        {
            builder.Bytes(63).Bytes(Enumerable.Repeat((byte)'a', 63).ToArray());
        }

        byte[] answer = builder.Bytes(0).ToArray();

        Assert.Contains("longer than 255", MalformedReason(Parse(answer)), StringComparison.Ordinal);
    }

    [Fact]
    public void RecordDataRunningPastTheEnd_IsMalformed()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeA).A(Name, "10.1.2.3").ToArray();

        Assert.IsType<DnsReply.Malformed>(Parse(answer[..^1]));
    }

    [Fact]
    public void MoreRecordsCountedThanPresent_IsMalformed()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 2).Question(Name, TypeA).A(Name, "10.1.2.3").ToArray();

        Assert.IsType<DnsReply.Malformed>(Parse(answer));
    }

    [Fact]
    public void ARecordOfTheWrongLength_IsMalformed()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 1).Question(Name, TypeA).Record(Name, TypeA, [10, 1, 2, 3, 4]).ToArray();

        Assert.Contains("5 bytes", MalformedReason(Parse(answer)), StringComparison.Ordinal);
    }

    [Fact]
    public void CnameLoop_IsMalformed()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 2).Question(Name, TypeA)
            .Cname(Name, "other.test").Cname("other.test", Name).ToArray();

        Assert.Contains("CNAME chain", MalformedReason(Parse(answer)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void ShorterThanAHeader_IsMalformed(int length) =>
        Assert.IsType<DnsReply.Malformed>(Parse(new byte[length]));

    [Fact]
    public void EveryPrefixOfAValidAnswer_IsReadWithoutThrowing()
    {
        byte[] answer = new DnsMessageBuilder(Id, answers: 2).Question(Name, TypeA).Cname(Name, "real.test").A("real.test", "10.1.2.3").ToArray();

        for (int length = 0; length < answer.Length; length++)
        {
            var reply = Parse(answer[..length]);
            Assert.True(reply is DnsReply.Malformed, $"{length} bytes: {reply}");
        }
    }

    private static DnsReply Parse(byte[] message, DnsRecordType type = DnsRecordType.A) =>
        DnsAnswerParser.Parse(message, Id, Name, type);

    private static void AssertAddresses(DnsReply reply, params string[] addresses) =>
        Assert.Equal([.. addresses.Select(IPAddress.Parse)], Assert.IsType<DnsReply.Addresses>(reply).List);

    private static string MalformedReason(DnsReply reply) => Assert.IsType<DnsReply.Malformed>(reply).Reason;

}
