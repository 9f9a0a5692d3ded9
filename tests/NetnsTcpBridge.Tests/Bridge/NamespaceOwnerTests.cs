using NetnsTcpBridge.Bridge;
using Xunit;

namespace NetnsTcpBridge.Tests.Bridge;

public class NamespaceOwnerTests
{
    public static TheoryData<NamespaceReference?, int?> References() => new()
    {
        { new NamespaceReference.OfProcess(4242), 4242 },
        { new NamespaceReference.File("/proc/4242/ns/net"), 4242 },
        { new NamespaceReference.File("/proc/1/ns/net"), 1 },
        { new NamespaceReference.File("/proc/self/ns/net"), null },
        { new NamespaceReference.File("/proc/0/ns/net"), null },
        { new NamespaceReference.File("/proc/042/ns/net"), null },
        { new NamespaceReference.File("/proc/42/ns/net/"), null },
        { new NamespaceReference.File("/proc/42/ns/user"), null },
        { new NamespaceReference.File("proc/42/ns/net"), null },
        { new NamespaceReference.File("/proc/99999999999/ns/net"), null },
        { new NamespaceReference.Named("web"), null },
        { new NamespaceReference.Descriptor(5), null },
        { null, null },
    };

    [Theory]
    [MemberData(nameof(References))]
    public void Of_FindsThePidOnlyWhenTheNetnsWasNamedByIt(NamespaceReference? reference, int? pid)
    {
        Assert.Equal(pid, NamespaceOwner.Of(reference, "listen")?.Pid);
    }
}
