using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Namespaces;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>Opens a namespace however the user named it, and checks it is the one meant (<c>=net:[INODE]</c>).</summary>
internal static class NamespaceOpener
{
    /// <summary>Null when none was named: the caller's own namespace is meant.</summary>
    public static NetworkNamespace? Open(NamespaceReference? reference, string role)
    {
        var opened = reference switch
        {
            NamespaceReference.File file => NetworkNamespace.Open(file.Path, role),
            NamespaceReference.Descriptor descriptor => NetworkNamespace.FromInheritedDescriptor(descriptor.Fd, role),
            NamespaceReference.Named named => NetworkNamespace.OpenNamed(named.Name, role),

            // Checks the inode itself, before it logs what it opened.
            NamespaceReference.OfProcess process => ProcessNamespace.Open(process.Pid, process.StartTime, process.ExpectedInode, role),
            _ => null,
        };

        if (opened is not null && reference is not NamespaceReference.OfProcess && reference?.ExpectedInode is { } inode)
        {
            try
            {
                opened.EnsureInode(inode, role);
            }
            catch
            {
                opened.Dispose();
                throw;
            }
        }

        return opened;
    }
}
