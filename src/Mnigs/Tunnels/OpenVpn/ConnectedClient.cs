namespace Mnigs.Tunnels.OpenVpn;

/// <summary>A client openvpn's status lists.</summary>
/// <param name="ClientId">The CID client-kill takes.</param>
public sealed record ConnectedClient(uint ClientId, string CommonName);
