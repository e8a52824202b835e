using System.Net;
using Mnigs.Core.Host;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>A live openvpn session as the server admits it: whose certificate, from where, and which addresses it gets.</summary>
/// <param name="Sid">Only its first characters are ever logged.</param>
/// <param name="Ipv4">The session's address with the pool's prefix, pushed with ifconfig-push.</param>
/// <param name="Ipv6">Likewise, pushed with ifconfig-ipv6-push.</param>
/// <param name="Gateway6">The gateway's IPv6 address in the tunnel, the other end ifconfig-ipv6-push names.</param>
public sealed record ServedSession(
    string Sid,
    string CommonName,
    string Fingerprint,
    IPAddress MeshAddress,
    InterfaceAddress? Ipv4,
    InterfaceAddress? Ipv6,
    IPAddress? Gateway6)
{
    public string ShortSid => Sid.Length > 8 ? Sid[..8] : Sid;
}
