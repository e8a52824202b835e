using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.Forward;

/// <summary>
/// Tunnel <c>forward</c>: no tunnel at all, for a gateway one hop away on a layer-2 segment or a batman-adv mesh.
/// Gateway: the kernel forwards and masquerades to the uplink only the mesh addresses of live sessions, kept in
/// nftables sets whose elements time out when each lease does (renewed with it), so an expired lease ends even while
/// the daemon is not running; everything else from the mesh interfaces to the uplink is dropped. Subscriber: Mnigs'
/// default route goes via the gateway's mesh address, on the interface <c>ip route get</c> names, and only when that
/// says the gateway is directly reachable. Nothing is encrypted: the segment sees the subscriber's traffic.
/// Protocol fields: options {}; reply tunnel {type}.
/// </summary>
public sealed class ForwardTunnel(ForwardOptions options, IHostPlatform platform, TimeProvider time) : ITunnelAdapter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _devices = new(StringComparer.Ordinal);

    public string Name => "forward";

    // Subscribers' traffic arrives on the shared mesh interfaces; their sources, not an interface, tell it apart.
    public IReadOnlyList<string> GatewayInterfaces => [];

    public AdapterHealthFacts Check(HostFacts facts)
    {
        if (options.MeshInterfaces.IsEmpty)
            return new(false, "the forward tunnel runs over layer2 or batman-adv networks, and neither is enabled with its interface");
        if (!facts.Nftables)
            return new(false, "nftables is not installed (no nft): the forward tunnel's gateway rules need it");
        return new(true, $"forwarding on {string.Join(", ", options.MeshInterfaces)}");
    }

    /// <summary>Only where the gateway can be one hop away: a layer-2 segment, or batman-adv (which makes the mesh one).</summary>
    public bool RunsOver(string network) => network is "layer2" or "batman-adv";

    public TunnelAdmission Admit(JsonObject? requestOptions, IPAddress caller) => TunnelAdmission.Accept([]);

    public JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress) => new() { ["type"] = Name };

    public HostState GatewayState(IReadOnlyList<GatewaySession> sessions)
    {
        var now = time.GetUtcNow();
        var sources = sessions
            .Where(s => s.Suite.Tunnel == Name && s.ExpiresAt > now)
            .Select(s => new ForwardSource(Normalize(s.MeshAddress), s.ExpiresAt - now))
            .ToImmutableArray();
        return new HostState
        {
            Firewall = new FirewallSpec { Forward = new ForwardFirewall { MeshInterfaces = options.MeshInterfaces, Sources = sources } },
        };
    }

    public SubscriberTunnelKeys CreateKeys() => new("", []);

    /// <summary>Nothing of its own on the host until it is the active connection (<see cref="RouteInternet"/>).</summary>
    public SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input) => new(true, null, HostState.Empty);

    /// <summary>Refuses, in words, a gateway that is not directly reachable: the route through it would not work.</summary>
    public async Task ConnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
    {
        var gateway = Normalize(input.GatewayMeshAddress);
        var hop = await platform.RouteToAsync(gateway, ct)
            ?? throw new InvalidOperationException($"There is no route to the gateway {gateway}");
        if (hop.Via is { } via)
            throw new InvalidOperationException(
                $"The gateway {gateway} is not one hop away (the route to it goes via {via} on {hop.Device}): the forward tunnel needs the gateway on this node's layer-2 segment or batman-adv mesh");
        if (hop.Device == "lo")
            throw new InvalidOperationException($"{gateway} is an address of this node");
        lock (_gate)
            _devices[input.InterfaceName] = hop.Device;
    }

    public Task DisconnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
    {
        lock (_gate)
            _devices.Remove(input.InterfaceName);
        return Task.CompletedTask;
    }

    /// <summary>The active connection: Mnigs' default route of the gateway's address family goes via the gateway.</summary>
    public HostState RouteInternet(SubscriberTunnelInput input, HostState usual)
    {
        string? device;
        lock (_gate)
            device = _devices.GetValueOrDefault(input.InterfaceName);
        if (device is null)
            return usual;
        var gateway = Normalize(input.GatewayMeshAddress);
        var v4 = gateway.AddressFamily == AddressFamily.InterNetwork;
        return usual with
        {
            Routes = [new RouteSpec(IPNetwork.Parse(v4 ? "0.0.0.0/0" : "::/0"), device, Via: gateway)],
            Policy = usual.Policy is { } policy ? policy with { Ipv4 = v4, Ipv6 = !v4 } : null,
        };
    }

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}
