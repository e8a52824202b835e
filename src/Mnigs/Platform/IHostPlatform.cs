using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// The only thing in Mnigs that changes the host. Modelled on Tailscale's router: <see cref="ApplyAsync"/>
/// is called again and again with the complete desired state and makes the host match it (an identical
/// state changes nothing); <see cref="CleanupAsync"/> removes everything carrying Mnigs' prefix, table,
/// rule priorities and nftables table, needing no other state, so a restart after a crash starts clean.
/// </summary>
public interface IHostPlatform
{
    Task ApplyAsync(HostState desired, CancellationToken ct);

    Task CleanupAsync(CancellationToken ct);

    /// <summary>Read-only facts the adapters need to decide.</summary>
    Task<HostFacts> ReadFactsAsync(CancellationToken ct);

    /// <summary>MTU of the path the main table uses towards <paramref name="destination"/> (route mtu, else the device's), or null when unroutable.</summary>
    Task<int?> PathMtuAsync(System.Net.IPAddress destination, CancellationToken ct);

    /// <summary>What <c>ip route get</c> says of <paramref name="destination"/> (device, and next hop unless it is directly reachable), or null when it is unroutable.</summary>
    Task<RouteHop?> RouteToAsync(System.Net.IPAddress destination, CancellationToken ct);

    /// <summary>
    /// Bytes received from and sent to each peer of the WireGuard interface <paramref name="iface"/>, by
    /// public key, since the peer was added. Throws <see cref="CommandFailedException"/> when the
    /// interface cannot be read (it does not exist, wg is missing).
    /// </summary>
    Task<IReadOnlyDictionary<string, (long Rx, long Tx)>> ReadPeerTransfersAsync(string iface, CancellationToken ct);

    /// <summary>
    /// Makes the addresses of <paramref name="iface"/>, an interface Mnigs does not own (cjdroute's TUN), that lie
    /// within <paramref name="within"/> exactly <paramref name="wanted"/>; its other addresses are left alone. Mnigs'
    /// own interfaces get their addresses from <see cref="ApplyAsync"/>. Throws <see cref="CommandFailedException"/>
    /// when the interface cannot be read or changed.
    /// </summary>
    Task SetLinkAddressesAsync(string iface, IReadOnlyList<InterfaceAddress> wanted, IReadOnlyList<System.Net.IPNetwork> within, CancellationToken ct);

    /// <summary>
    /// Bytes each quota object of Mnigs' nftables table (the payment gate's, see <see cref="PaymentFirewall"/>) has
    /// counted, by name; empty when there is none. Throws <see cref="CommandFailedException"/> when nft cannot be read.
    /// </summary>
    Task<IReadOnlyDictionary<string, long>> ReadQuotasAsync(CancellationToken ct);
}

/// <summary>An interface of the host and its addresses that are neither link- nor host-scoped.</summary>
public sealed record LinkFacts(string Name, int Mtu, System.Collections.Immutable.ImmutableArray<InterfaceAddress> Addresses);

/// <summary>The way to one destination: out of <paramref name="Device"/>, through <paramref name="Via"/> or, when null, directly (on the link).</summary>
public sealed record RouteHop(string Device, System.Net.IPAddress? Via);

/// <param name="DefaultRouteInterface">Interface of the main table's IPv4 default route, if any.</param>
/// <param name="KernelWireGuard">Whether <c>ip link add type wireguard</c> works here.</param>
/// <param name="WireGuardGo">Path of wireguard-go, when installed.</param>
/// <param name="WireGuardTools">Whether <c>wg</c> is installed.</param>
/// <param name="Nftables">Whether <c>nft</c> is installed.</param>
/// <param name="SystemdResolved">Whether resolvectl manages DNS on this host.</param>
/// <param name="Resolvers">Non-loopback name servers this host uses.</param>
/// <param name="Links">The host's interfaces and their addresses (null: not read).</param>
/// <param name="Programs">Full paths of the helper programs of <see cref="KnownPrograms"/> that are installed, by name (null: not looked for).</param>
/// <param name="TunnelKinds">The kinds of <see cref="KernelTunnelLink.Kinds"/> that <c>ip link add</c> can create here (null: not probed).</param>
public sealed record HostFacts(
    string? DefaultRouteInterface,
    bool KernelWireGuard,
    string? WireGuardGo,
    bool WireGuardTools,
    bool Nftables,
    bool SystemdResolved,
    IReadOnlyList<System.Net.IPAddress> Resolvers,
    IReadOnlyList<LinkFacts>? Links = null,
    IReadOnlyDictionary<string, string>? Programs = null,
    IReadOnlyList<string>? TunnelKinds = null)
{
    /// <summary>Helper programs tunnels may need; <see cref="Programs"/> says which are installed.</summary>
    public static readonly IReadOnlyList<string> KnownPrograms =
        ["openvpn", "sockd", "danted", "redsocks", "vpnserver", "vpnclient", "vpncmd", "iperf3", "unshare"];

    /// <summary>Full path of <paramref name="program"/> (one of <see cref="KnownPrograms"/>), or null when it is not installed.</summary>
    public string? Program(string program) => Programs?.GetValueOrDefault(program);

    /// <summary>The interface that holds <paramref name="address"/>, if any.</summary>
    public LinkFacts? LinkWith(System.Net.IPAddress address) =>
        Links?.FirstOrDefault(l => l.Addresses.Any(a => a.Address.Equals(address)));
}
