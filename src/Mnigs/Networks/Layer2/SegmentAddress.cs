using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Layer2;

/// <summary>An address of the segment's interface with its prefix length and scope, as <c>ip -j addr</c> reports it.</summary>
public sealed record SegmentAddress(IPAddress Address, int PrefixLength, bool Global)
{
    /// <summary>Usable by other nodes without a scope id: IPv4, or IPv6 of global scope (global or ULA).</summary>
    public bool Usable => Global && !Address.IsIPv6LinkLocal;

    public bool Contains(IPAddress other) =>
        other.AddressFamily == Address.AddressFamily && new IPNetwork(Masked(Address, PrefixLength), PrefixLength).Contains(other);

    /// <summary>An IPv4 subnet's own address or its broadcast address (for prefixes up to /30): no host has them.</summary>
    public bool IsNetworkOrBroadcast(IPAddress other)
    {
        if (!IsIPv4 || PrefixLength > 30 || !Contains(other))
            return false;
        var host = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(other.GetAddressBytes()) & (uint.MaxValue >> PrefixLength);
        return host == 0 || host == uint.MaxValue >> PrefixLength;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";

    private static IPAddress Masked(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(length - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    public bool IsIPv4 => Address.AddressFamily == AddressFamily.InterNetwork;
}
