using Mnigs.Core.Gateway;

namespace Mnigs.Tunnels.SoftEther;

/// <param name="Port">TCP port of the gateway's server (its only listener).</param>
/// <param name="Pools">The tunnel's address pools; the gateway's own addresses go on its bridge's tap.</param>
/// <param name="Directory">Mnigs' SoftEther directory (the daemon's state directory/softether): the programs' private
/// directories, the gateway's certificate, vpncmd's batch files. No whitespace in it (vpncmd splits its arguments).</param>
/// <param name="TunDevice">The tun/tap character device SoftEther's virtual adapters need.</param>
/// <param name="ConnectWait">How long the subscriber waits for its session to be established, and either program to answer vpncmd after it starts.</param>
public sealed record SoftEtherOptions(
    int Port,
    TunnelPools? Pools,
    string Directory,
    string TunDevice = "/dev/net/tun",
    TimeSpan? ConnectWait = null)
{
    /// <summary>The gateway's one virtual hub.</summary>
    public const string Hub = "mnigs";

    /// <summary>The group every session's user is in: it carries the security policies.</summary>
    public const string Group = "mnigs";

    /// <summary>The gateway's local bridge device; SoftEther names its tap <c>tap_</c> + this.</summary>
    public const string BridgeDevice = "mnigs";

    /// <summary>The subscriber's virtual network adapter; SoftEther names its tap <c>vpn_</c> + this.</summary>
    public const string Nic = "mnigs";

    /// <summary>The subscriber's one connection setting.</summary>
    public const string Account = "mnigs";

    public string GatewayTap => "tap_" + BridgeDevice;

    public string SubscriberNic => "vpn_" + Nic;

    public TimeSpan Wait => ConnectWait ?? TimeSpan.FromSeconds(10);
}
