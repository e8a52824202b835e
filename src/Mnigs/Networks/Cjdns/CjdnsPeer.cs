using System.Net;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// One peer as InterfaceController_peerStats describes it. <see cref="LinkLayer"/> is how cjdns reaches it:
/// a MAC address over Ethernet, an address and port over UDP. <see cref="State"/> is cjdns' session state;
/// only <c>ESTABLISHED</c> peers carry traffic.
/// </summary>
public sealed record CjdnsPeer(string Key, IPAddress Address, string State, string LinkLayer, bool Incoming, string? User)
{
    public bool Established => State == "ESTABLISHED";
}
