namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>The other Mnigs daemons announced on the segment: what the layer-2 adapter asks of mDNS.</summary>
public interface IMdnsPeers
{
    /// <summary>Daemons whose announcement is current, gateways first.</summary>
    IReadOnlyList<MdnsPeer> Live();

    /// <summary>One line for status: what mDNS does now, or why it cannot.</summary>
    string Describe();
}
