using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.WireGuard;

/// <summary>
/// Tunnel <c>wireguard</c>: kernel WireGuard where present, else wireguard-go (Platform decides).
/// Gateway: one interface, one peer per session, allowed-ips = the session's addresses. Subscriber:
/// one interface per connection, the gateway as its only peer with allowed-ips 0.0.0.0/0 and ::/0.
/// Protocol fields: options {publicKey}; reply tunnel {type, publicKey, endpoint, port, mtu}.
/// </summary>
public sealed class WireGuardTunnel(WireGuardOptions options) : ITunnelAdapter
{
    private readonly Lazy<string> _publicKey = new(() => WireGuardKeys.PublicKeyOf(options.GatewayPrivateKey()));

    public string Name => "wireguard";

    public IReadOnlyList<string> GatewayInterfaces => [options.GatewayInterface];

    public AdapterHealthFacts Check(HostFacts facts)
    {
        if (!facts.WireGuardTools)
            return new(false, "wireguard-tools is not installed (no wg command)");
        if (facts.KernelWireGuard)
            return new(true, "kernel WireGuard");
        if (facts.WireGuardGo is not null)
            return new(true, "wireguard-go (this kernel has no WireGuard module)");
        return new(false, "no WireGuard: the kernel has no wireguard module and wireguard-go is not installed");
    }

    public TunnelAdmission Admit(JsonObject? requestOptions, IPAddress caller)
    {
        var key = requestOptions?["publicKey"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (!WireGuardKeys.IsValid(key))
            return TunnelAdmission.Refuse("options.publicKey must be a WireGuard public key (44 characters of base64)");
        if (key == _publicKey.Value)
            return TunnelAdmission.Refuse("options.publicKey is the gateway's own key");
        return TunnelAdmission.Accept(new JsonObject { ["publicKey"] = key });
    }

    public JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress) => new()
    {
        ["type"] = Name,
        ["publicKey"] = _publicKey.Value,
        ["endpoint"] = meshAddress.ToString(),
        ["port"] = options.ListenPort,
        ["mtu"] = options.Mtu,
    };

    public HostState GatewayState(IReadOnlyList<GatewaySession> sessions)
    {
        var peers = sessions
            .Where(s => s.Suite.Tunnel == Name && s.TunnelState["publicKey"] is JsonValue)
            .Select(s => new WireGuardPeer(
                s.TunnelState["publicKey"]!.GetValue<string>(),
                Endpoint: null,
                AllowedIps: [.. HostNetworks(s.Ipv4, s.Ipv6)]))
            .ToImmutableArray();
        var addresses = ImmutableArray.CreateBuilder<InterfaceAddress>();
        if (options.Ipv4 is { } p4)
            addresses.Add(new InterfaceAddress(p4.Gateway, p4.Subnet.PrefixLength));
        if (options.Ipv6 is { } p6)
            addresses.Add(new InterfaceAddress(p6.Gateway, p6.Subnet.PrefixLength));
        var iface = new WireGuardInterface(options.GatewayInterface, options.GatewayPrivateKey(), options.ListenPort,
            addresses.ToImmutable(), options.Mtu, peers);
        return new HostState { WireGuard = [iface] };
    }

    public SubscriberTunnelKeys CreateKeys()
    {
        var (privateKey, publicKey) = WireGuardKeys.Create();
        return new SubscriberTunnelKeys(privateKey, new JsonObject { ["publicKey"] = publicKey });
    }

    public SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input)
    {
        var t = input.Tunnel;
        var publicKey = t["publicKey"] is JsonValue k && k.TryGetValue<string>(out var ks) ? ks : null;
        if (!WireGuardKeys.IsValid(publicKey))
            return SubscriberTunnelPlan.Fail("The gateway's reply has no valid WireGuard public key");
        if (t["port"] is not JsonValue pv || !pv.TryGetValue<int>(out var port) || port is < 1 or > 65535)
            return SubscriberTunnelPlan.Fail("The gateway's reply has no valid WireGuard port");
        // Always the address we reached the gateway on: a hostile reply must not point our tunnel elsewhere.
        var endpoint = new IPEndPoint(input.GatewayMeshAddress, port);
        if (input.Ipv4 is null && input.Ipv6 is null)
            return SubscriberTunnelPlan.Fail("The gateway's reply has no tunnel address");

        var addresses = new[] { input.Ipv4, input.Ipv6 }.Where(a => a is not null).Select(a => a!.Value).ToImmutableArray();
        var allowed = ImmutableArray.CreateBuilder<IPNetwork>();
        if (input.Ipv4 is not null)
            allowed.Add(IPNetwork.Parse("0.0.0.0/0"));
        if (input.Ipv6 is not null)
            allowed.Add(IPNetwork.Parse("::/0"));
        var peer = new WireGuardPeer(publicKey!, endpoint, allowed.ToImmutable(), PersistentKeepalive: 25);
        var iface = new WireGuardInterface(input.InterfaceName, input.Secret, null, addresses, input.Mtu, [peer]);
        return new SubscriberTunnelPlan(true, null, new HostState { WireGuard = [iface] });
    }

    private static IEnumerable<IPNetwork> HostNetworks(IPAddress? v4, IPAddress? v6)
    {
        if (v4 is not null)
            yield return new IPNetwork(v4, 32);
        if (v6 is not null)
            yield return new IPNetwork(v6, 128);
    }
}

/// <param name="GatewayPrivateKey">Read lazily, only when this node serves as a gateway.</param>
public sealed record WireGuardOptions(
    string GatewayInterface,
    Func<string> GatewayPrivateKey,
    int ListenPort,
    TunnelPools? Pools,
    int Mtu)
{
    public AddressPool? Ipv4 => Pools?.Ipv4;
    public AddressPool? Ipv6 => Pools?.Ipv6;
}
