using System.Runtime.InteropServices;
using System.Text;

namespace NetnsTcpBridge.Interop;

/// <summary>A NULL-terminated array of NUL-terminated strings in native memory (argv, envp), freed on Dispose.</summary>
internal sealed unsafe class NativeStringArray : IDisposable
{
    private readonly List<IntPtr> _allocations = [];

    public NativeStringArray(IEnumerable<string> values)
        : this(values.Select(Encoding.UTF8.GetBytes))
    {
    }

    /// <summary>From raw bytes: a command line read back from /proc need not be valid UTF-8.</summary>
    public NativeStringArray(IEnumerable<byte[]> values)
    {
        var list = values.ToList();
        Pointer = (byte**)Marshal.AllocHGlobal((list.Count + 1) * sizeof(IntPtr));
        _allocations.Add((IntPtr)Pointer);
        for (int i = 0; i < list.Count; i++)
        {
            IntPtr copy = Marshal.AllocHGlobal(list[i].Length + 1);
            _allocations.Add(copy);
            Marshal.Copy(list[i], 0, copy, list[i].Length);
            ((byte*)copy)[list[i].Length] = 0;
            Pointer[i] = (byte*)copy;
        }

        Pointer[list.Count] = null;
    }

    public byte** Pointer { get; }

    public void Dispose()
    {
        foreach (IntPtr allocation in _allocations)
        {
            Marshal.FreeHGlobal(allocation);
        }

        _allocations.Clear();
    }
}
