using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.KernelTunnels;

/// <summary>
/// Tunnels <c>ipip</c> and <c>gre</c> (one instance each, see <see cref="KernelTunnelKind"/>): plain kernel tunnels between
/// mesh addresses, as olsrd's smart gateway builds them. No keys and no encryption: the subscriber is known by the mesh
/// address its request came from, which becomes the far end of its link.
/// <list type="bullet">
/// <item>Gateway: one link per session (ipip/gre over IPv4 mesh addresses, ip6tnl/ip6gre over IPv6), from this node's
/// address on the session's network to the subscriber's mesh address, holding the pool's gateway address with the
/// session's address as its point-to-point peer (which routes the session's address into the link).</item>
/// <item>Subscriber: one link to the address it reached the gateway on (never one named in the reply), holding the
/// session's addresses; Mnigs' policy table routes the Internet through it.</item>
/// </list>
/// Available only when the kernel can create the link kinds (<see cref="HostFacts.TunnelKinds"/>).
/// Protocol fields: options {}; reply tunnel {type, kind, endpoint, mtu}.
/// </summary>
public sealed class KernelTunnel(KernelTunnelOptions options) : ITunnelAdapter
{
    private readonly KernelTunnelKind _kind = options.Kind;
    private volatile string[] _kinds = [];
    private volatile IReadOnlyList<string> _interfaces = [];

    public string Name => _kind.Name;

    /// <summary>The links of the sessions of the last <see cref="GatewayState"/>.</summary>
    public IReadOnlyList<string> GatewayInterfaces => _interfaces;

    /// <summary>Available when the kernel makes the link kind for IPv4 or IPv6 mesh addresses; remembers which, for the requests that follow.</summary>
    public AdapterHealthFacts Check(HostFacts facts)
    {
        var kinds = (facts.TunnelKinds ?? []).Where(k => k == _kind.Ipv4Kind || k == _kind.Ipv6Kind).ToArray();
        _kinds = kinds;
        var v4 = kinds.Contains(_kind.Ipv4Kind);
        var v6 = kinds.Contains(_kind.Ipv6Kind);
        if (!v4 && !v6)
            return new(false, $"this kernel has no {_kind.Ipv4Module} module (modprobe {_kind.Ipv4Module}) and no {_kind.Ipv6Module} module "
                + $"(modprobe {_kind.Ipv6Module}); restart mnigsd after loading one");
        if (v4 && v6)
            return new(true, $"kernel {_kind.Ipv4Kind} (IPv4 mesh addresses) and {_kind.Ipv6Kind} (IPv6)");
        return v4
            ? new(true, $"kernel {_kind.Ipv4Kind} over IPv4 mesh addresses only: this kernel has no {_kind.Ipv6Module} module (modprobe {_kind.Ipv6Module})")
            : new(true, $"kernel {_kind.Ipv6Kind} over IPv6 mesh addresses only: this kernel has no {_kind.Ipv4Module} module (modprobe {_kind.Ipv4Module})");
    }

    // --- gateway half ---

    /// <summary>Nothing to read from the options: the caller's mesh address is the far end of its link (one session per address).</summary>
    public TunnelAdmission Admit(JsonObject? requestOptions, IPAddress caller)
    {
        if (caller.IsIPv4MappedToIPv6)
            caller = caller.MapToIPv4();
        var kind = _kind.LinkKindFor(caller);
        if (!_kinds.Contains(kind))
            return TunnelAdmission.Refuse($"This gateway's kernel has no {_kind.ModuleOf(kind)} module, so it cannot run {Name} to {caller}; "
                + $"reach it on its {(caller.AddressFamily == AddressFamily.InterNetwork ? "IPv6" : "IPv4")} mesh address");
        if (!options.Names.HasRoom)
            return TunnelAdmission.Refuse($"This gateway has no free interface name for another {Name} link ({KernelTunnelNames.Capacity} at most)");
        return TunnelAdmission.Accept(new JsonObject { ["remote"] = caller.ToString() });
    }

    public JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress)
    {
        var remote = Remote(session);
        return new()
        {
            ["type"] = Name,
            ["kind"] = _kind.LinkKindFor(remote),
            ["endpoint"] = (LocalFor(session, remote) ?? meshAddress).ToString(),
            ["mtu"] = options.Mtu > 0 ? options.Mtu : _kind.DefaultMtuFor(remote),
        };
    }

    public HostState GatewayState(IReadOnlyList<GatewaySession> sessions)
    {
        var mine = sessions.Where(s => s.Suite.Tunnel == Name).ToList();
        options.Names.Release(Name, mine.Select(s => s.Sid));
        var links = ImmutableArray.CreateBuilder<KernelTunnelLink>();
        foreach (var session in mine)
        {
            var remote = Remote(session);
            var kind = _kind.LinkKindFor(remote);
            // A session kept from before the kernel lost the module carries nothing until it ends.
            if (!_kinds.Contains(kind) || options.Names.For(Name, session.Sid) is not { } name)
                continue;
            var addresses = ImmutableArray.CreateBuilder<TunnelAddress>();
            if (session.Ipv4 is { } v4 && options.Pools?.Ipv4 is { } p4)
                addresses.Add(new TunnelAddress(new InterfaceAddress(p4.Gateway, 32), v4));
            if (session.Ipv6 is { } v6 && options.Pools?.Ipv6 is { } p6 && _kind.CarriesIpv6)
                addresses.Add(new TunnelAddress(new InterfaceAddress(p6.Gateway, 128), v6));
            links.Add(new KernelTunnelLink(name, kind, LocalFor(session, remote), remote, addresses.ToImmutable(), options.Mtu > 0 ? options.Mtu : null));
        }
        _interfaces = [.. links.Select(l => l.Name)];
        return links.Count == 0 ? HostState.Empty : new HostState { KernelTunnels = links.ToImmutable() };
    }

    /// <summary>No service of its own; frees the link names of ended sessions (the gateway builds no host state once its last session is gone).</summary>
    public Task SyncGatewayAsync(IReadOnlyList<GatewaySession> sessions, CancellationToken ct)
    {
        options.Names.Release(Name, sessions.Select(s => s.Sid));
        if (sessions.Count == 0)
            _interfaces = [];
        return Task.CompletedTask;
    }

    // --- subscriber half ---

    /// <summary>No secrets: the gateway knows this node by the mesh address its request comes from.</summary>
    public SubscriberTunnelKeys CreateKeys() => new("", []);

    public SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input)
    {
        var gateway = input.GatewayMeshAddress.IsIPv4MappedToIPv6 ? input.GatewayMeshAddress.MapToIPv4() : input.GatewayMeshAddress;
        var kind = _kind.LinkKindFor(gateway);
        if (!_kinds.Contains(kind))
            return SubscriberTunnelPlan.Fail($"This node's kernel has no {_kind.ModuleOf(kind)} module (modprobe {_kind.ModuleOf(kind)}), so it cannot run {Name} to {gateway}");
        // The gateway sends from the address it names; a link to any other would never match its packets.
        if (input.Tunnel["endpoint"] is JsonValue e && e.TryGetValue<string>(out var text)
            && (!IPAddress.TryParse(text, out var endpoint) || !endpoint.Equals(gateway)))
            return SubscriberTunnelPlan.Fail($"The gateway's {Name} link would come from {text}, not from {gateway} where this node reached it");
        if (input.Ipv4 is null && input.Ipv6 is null)
            return SubscriberTunnelPlan.Fail("The gateway's reply has no tunnel address");
        if (input.Ipv6 is not null && !_kind.CarriesIpv6 && kind == _kind.Ipv4Kind)
            return SubscriberTunnelPlan.Fail($"The gateway's reply has an IPv6 tunnel address, but {kind} over IPv4 carries IPv4 only");
        var addresses = new[] { input.Ipv4, input.Ipv6 }.Where(a => a is not null).Select(a => new TunnelAddress(a!.Value)).ToImmutableArray();
        var link = new KernelTunnelLink(input.InterfaceName, kind, Local: null, gateway, addresses, input.Mtu);
        return new SubscriberTunnelPlan(true, null, new HostState { KernelTunnels = [link] });
    }

    private static IPAddress Remote(GatewaySession session) =>
        session.MeshAddress.IsIPv4MappedToIPv6 ? session.MeshAddress.MapToIPv4() : session.MeshAddress;

    /// <summary>This node's address on the session's network of the subscriber's family; null leaves the choice to the kernel.</summary>
    private IPAddress? LocalFor(GatewaySession session, IPAddress remote) =>
        options.OwnAddresses(session.Suite.Network).FirstOrDefault(a => a.AddressFamily == remote.AddressFamily);
}
