using System.Net;

namespace Mnigs.Tunnels.Socks;

/// <param name="Port">TCP port of the gateway's SOCKS server (danted) on its IPv4 mesh addresses.</param>
/// <param name="RedirectPort">First local port of the subscriber's redsocks; each further open connection takes the next free one.</param>
/// <param name="StateDirectory">Where danted's and redsocks' configuration files are written (under daemon.stateDir).</param>
/// <param name="Uplink">The gateway's uplink interface, read when danted is (re)configured: its connections go out there.</param>
/// <param name="MeshAddresses">The gateway's addresses on its available networks, read when danted is (re)configured: it listens on the IPv4 ones.</param>
/// <param name="Program">Full path of an installed helper program (danted, redsocks), from the host's facts; null when missing.</param>
public sealed record SocksOptions(
    int Port,
    int RedirectPort,
    string StateDirectory,
    Func<string?> Uplink,
    Func<IReadOnlyList<IPAddress>> MeshAddresses,
    Func<string, string?> Program)
{
    /// <summary>How long danted and redsocks get to start listening.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether something listens on the TCP endpoint in this network namespace; tests answer it themselves.</summary>
    public Func<IPEndPoint, bool> IsListening { get; init; } = TcpListeners.IsListening;
}
