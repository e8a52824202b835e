using System.Net;
using System.Numerics;

namespace Mnigs.Core.Gateway;

/// <summary>
/// Hands out host addresses of one subnet, lowest free first. Never the network or broadcast
/// address (IPv4), never the gateway's own address, never one address twice.
/// </summary>
public sealed class AddressPool
{
    private readonly HashSet<IPAddress> _used = [];
    private readonly BigInteger _first;
    private readonly BigInteger _last;
    private readonly int _bytes;

    public AddressPool(IPNetwork subnet, IPAddress? gateway = null)
    {
        Subnet = subnet;
        _bytes = subnet.BaseAddress.GetAddressBytes().Length;
        var bits = _bytes * 8;
        var hostBits = bits - subnet.PrefixLength;
        if (hostBits < 2)
            throw new ArgumentException($"Subnet {subnet} is too small for a gateway and a subscriber");
        var network = ToNumber(subnet.BaseAddress);
        var size = BigInteger.One << hostBits;
        _first = network + 1;
        // IPv4 keeps its broadcast address out; IPv6 has none, but the last one is kept out all the same.
        _last = network + size - 2;
        Gateway = gateway ?? ToAddress(_first);
        if (!subnet.Contains(Gateway))
            throw new ArgumentException($"Gateway address {Gateway} is outside {subnet}");
    }

    public IPNetwork Subnet { get; }

    public IPAddress Gateway { get; }

    public int InUse => _used.Count;

    public BigInteger Capacity => _last - _first + 1 - (IsHost(Gateway) ? 1 : 0);

    /// <summary>The lowest free address, or false when the pool is exhausted.</summary>
    public bool TryAllocate(out IPAddress address)
    {
        // Linear from the bottom: pools are small per gateway (maxConnections bounds InUse), so at most
        // InUse + 2 candidates are looked at.
        for (var n = _first; n <= _last; n++)
        {
            var candidate = ToAddress(n);
            if (candidate.Equals(Gateway) || _used.Contains(candidate))
                continue;
            _used.Add(candidate);
            address = candidate;
            return true;
        }
        address = IPAddress.None;
        return false;
    }

    /// <summary>Marks an address taken again after a restart; false when it is not a host of this pool or already taken.</summary>
    public bool TryReserve(IPAddress address) =>
        IsHost(address) && !address.Equals(Gateway) && _used.Add(address);

    public void Release(IPAddress address) => _used.Remove(address);

    public bool IsAllocated(IPAddress address) => _used.Contains(address);

    private bool IsHost(IPAddress address)
    {
        if (address.GetAddressBytes().Length != _bytes)
            return false;
        var n = ToNumber(address);
        return n >= _first && n <= _last;
    }

    private static BigInteger ToNumber(IPAddress address) =>
        new(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    private IPAddress ToAddress(BigInteger n)
    {
        var raw = n.ToByteArray(isUnsigned: true, isBigEndian: true);
        var bytes = new byte[_bytes];
        raw.CopyTo(bytes, _bytes - raw.Length);
        return new IPAddress(bytes);
    }
}
