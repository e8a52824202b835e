namespace Mnigs.Tunnels.OpenVpn;

/// <summary>openvpn's management interface answered ERROR, or went away mid-conversation.</summary>
public sealed class OpenVpnManagementException(string message, Exception? inner = null) : IOException(message, inner);
