using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NetnsTcpBridge.Endpoints;

namespace NetnsTcpBridge.ProxyProtocol;

/// <summary>
/// <c>--accept-proxy-from</c>: the peers whose PROXY header is believed. A client whose own
/// address (the socket's peer, not what a header says) lies outside every prefix is refused
/// before a byte of it is read: a header announces any address its sender likes, so only the
/// front proxies themselves may send one. Without the option every peer is trusted.
/// </summary>
public sealed class TrustedProxies : IEquatable<TrustedProxies>
{
    public TrustedProxies(IReadOnlyList<AddressPrefix> prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        ArgumentOutOfRangeException.ThrowIfZero(prefixes.Count);
        Prefixes = [.. prefixes];
    }

    public IReadOnlyList<AddressPrefix> Prefixes { get; }

    /// <summary>Whether a peer (a 128-bit address, IPv4 as IPv4-mapped IPv6) may send a header.</summary>
    public bool Contains(UInt128 peer)
    {
        foreach (var prefix in Prefixes)
        {
            if (prefix.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Prefixes separated by commas or spaces (in a <c>--rule</c> value, where commas separate
    /// keys, by spaces). On failure <paramref name="error"/> names the prefix by its place and what
    /// is wrong with it, quoting nothing of the text.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out TrustedProxies? trusted, [NotNullWhen(false)] out string? error)
    {
        trusted = null;
        string[] items = text.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0)
        {
            error = $"no prefix; expected {AddressPrefix.Syntax}, several separated by commas or spaces";
            return false;
        }

        var prefixes = new List<AddressPrefix>(items.Length);
        for (int i = 0; i < items.Length; i++)
        {
            if (!AddressPrefix.TryParse(items[i], out var prefix, out string? itemError))
            {
                error = items.Length == 1 ? itemError : string.Create(CultureInfo.InvariantCulture, $"prefix #{i + 1}: {itemError}");
                return false;
            }

            prefixes.Add(prefix);
        }

        trusted = new TrustedProxies(prefixes);
        error = null;
        return true;
    }

    /// <summary>The prefixes separated by commas, as <see cref="TryParse"/> takes them.</summary>
    public override string ToString() => string.Join(",", Prefixes);

    public bool Equals(TrustedProxies? other) => other is not null && Prefixes.SequenceEqual(other.Prefixes);

    public override bool Equals(object? obj) => Equals(obj as TrustedProxies);

    public override int GetHashCode() => Prefixes.Count == 0 ? 0 : HashCode.Combine(Prefixes.Count, Prefixes[0]);
}
