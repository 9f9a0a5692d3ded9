using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Namespaces;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>Opens a namespace however the user named it.</summary>
internal static class NamespaceOpener
{
    /// <summary>Null when none was named: the caller's own namespace is meant.</summary>
    public static NetworkNamespace? Open(NamespaceReference? reference, string role) => reference switch
    {
        NamespaceReference.File file => NetworkNamespace.Open(file.Path, role),
        NamespaceReference.Descriptor descriptor => NetworkNamespace.FromInheritedDescriptor(descriptor.Fd, role),
        NamespaceReference.Named named => NetworkNamespace.OpenNamed(named.Name, role),
        NamespaceReference.OfProcess process => ProcessNamespace.Open(process.Pid, process.StartTime, role),
        _ => null,
    };
}
