using System.Net;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// This daemon's DNS-SD service as announced: instance <c>NAME (xxxxxxxx)._mnigs._tcp.local</c> (the hex is
/// taken from the node id, so two nodes named alike differ), host <c>mnigs-xxxxxxxxxxxxxxxx.local</c>, the
/// RPC port, and the addresses of the segment's interface.
/// </summary>
internal sealed record MdnsAnnouncement(string Instance, string Host, int Port, string NodeId, string Name, bool Gateway,
    IReadOnlyList<IPAddress> Addresses)
{
    public bool SameAs(MdnsAnnouncement other) =>
        DnsName.Equal(Instance, other.Instance) && DnsName.Equal(Host, other.Host) && Port == other.Port && NodeId == other.NodeId
        && Name == other.Name && Gateway == other.Gateway && Addresses.SequenceEqual(other.Addresses);
}
