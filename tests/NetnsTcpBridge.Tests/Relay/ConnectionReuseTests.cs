using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>
/// Connection objects are used again for later clients (RelayConnection.Reuse.cs): whatever the
/// previous client left in any field must be gone. Every instance field is set to something
/// else than a new object holds, then Reuse must bring each back: a field added later and
/// forgotten in Reuse fails here.
/// </summary>
public class ConnectionReuseTests
{
    private const int ClientFd = 1_000_001; // no such descriptor: the constructor's setsockopt fails harmlessly

    [Fact]
    public void RelayConnection_Reuse_LeavesEveryFieldAsANewConnectionHasIt()
    {
        var context = NewContext();
        var client = new HandedOverClient(ClientFd, Server: -1, Prepared: true);
        var fresh = new RelayConnection(client, context);
        var reused = new RelayConnection(client, context);
        Scribble(reused, except: ["_context"]);

        reused.Reuse(client);

        // Its directions are kept as spares, for its next relaying; the loop sets slot and generation.
        AssertSameFields(fresh, reused, except: ["_spareUpload", "_spareDownload", "<Slot>k__BackingField", "<Generation>k__BackingField"]);
    }

    [Fact]
    public void Direction_Reuse_LeavesEveryFieldAsANewDirectionHasIt()
    {
        var pipes = new PipePool(64 * 1024, new PipeBudget(long.MaxValue));
        var fresh = new Direction(7, 8, CopyMethod.Splice, pipes);
        var reused = new Direction(1, 2, CopyMethod.Buffered, pipes);
        Scribble(reused, except: ["_pipes", "_pipe", "_buffer", "_bytesInPipe", "_bufferStart", "_bufferEnd"]);

        reused.Reuse(7, 8, CopyMethod.Splice);

        AssertSameFields(fresh, reused, except: ["_pipes"]);
    }

    private static RelayContext NewContext()
    {
        var options = new RelayOptions { Routes = [new RelayRoute(null, [new IPEndPoint(IPAddress.Loopback, 9)])], Threads = 1 };
        var engine = new RelayEngine(options, new TestClientSource());
        return new RelayContext(options, engine.LeastLoadedLoop(), engine);
    }

    private static FieldInfo[] InstanceFields(object target) =>
        target.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    /// <summary>Sets every field (but <paramref name="except"/>) to a value no new object has.</summary>
    private static void Scribble(object target, string[] except)
    {
        foreach (var field in InstanceFields(target).Where(field => !except.Contains(field.Name)))
        {
            field.SetValue(target, Unusual(field.FieldType, target));
        }
    }

    private static object? Unusual(Type type, object owner)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying switch
        {
            _ when underlying == typeof(bool) => true,
            _ when underlying == typeof(int) => 12345,
            _ when underlying == typeof(uint) => 12345u,
            _ when underlying == typeof(long) => 12345L,
            _ when underlying == typeof(UInt128) => (UInt128)12345,
            _ when underlying == typeof(string) => "left over",
            _ when underlying == typeof(byte[]) => new byte[] { 1 },
            _ when underlying == typeof(IPEndPoint) => new IPEndPoint(IPAddress.Loopback, 1),
            _ when underlying.IsEnum => Enum.GetValues(underlying).Cast<object>().Last(),
            _ when underlying == typeof(RelayRoute) => new RelayRoute("left over", []),
            _ when underlying == typeof(Direction) => new Direction(3, 4, CopyMethod.Buffered, new PipePool(64 * 1024, new PipeBudget(long.MaxValue))),
            _ when underlying == typeof(ResetDrainCheck) => new ResetDrainCheck((RelayConnection)owner, 1, 2),
            _ => throw new InvalidOperationException($"no unusual value for a field of type {type}: add one"),
        };
    }

    private static void AssertSameFields(object expected, object actual, string[] except)
    {
        foreach (var field in InstanceFields(expected).Where(field => !except.Contains(field.Name)))
        {
            object? want = field.GetValue(expected);
            object? got = field.GetValue(actual);
            bool same = field.FieldType.IsValueType || want is null || got is null || field.FieldType == typeof(string)
                ? Equals(want, got)
                : ReferenceEquals(want, got);
            Assert.True(same, $"{expected.GetType().Name}.{field.Name}: a new object has {want ?? "null"}, a reused one {got ?? "null"}");
        }
    }
}
