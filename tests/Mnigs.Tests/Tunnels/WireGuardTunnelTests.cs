using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Core.Suites;
using Mnigs.Platform;
using Mnigs.Tunnels;
using Mnigs.Tunnels.WireGuard;

namespace Mnigs.Tests.Tunnels;

public sealed class WireGuardTunnelTests
{
    private static readonly IPAddress GatewayMesh = IPAddress.Parse("fd00::1");
    private static readonly IPAddress Caller = IPAddress.Parse("fd00::2");
    private static readonly (string PrivateKey, string PublicKey) GatewayKeys = WireGuardKeys.Create();

    private static readonly HostFacts Facts = new(
        DefaultRouteInterface: "uplink0", KernelWireGuard: false, WireGuardGo: "/usr/bin/wireguard-go",
        WireGuardTools: true, Nftables: true, SystemdResolved: false, Resolvers: []);

    private static WireGuardTunnel Tunnel(TunnelPools? pools = null) =>
        new(new WireGuardOptions("mnabcdg0", () => GatewayKeys.PrivateKey, 51820, pools, 1420));

    private static TunnelPools Pools() =>
        new(new AddressPool(IPNetwork.Parse("10.201.0.0/24")), new AddressPool(IPNetwork.Parse("fd6d:6e69:6773::/64")));

    private static JsonObject Reply(string? publicKey = null, JsonNode? port = null, string endpoint = "fd00::1") => new()
    {
        ["type"] = "wireguard",
        ["publicKey"] = publicKey ?? GatewayKeys.PublicKey,
        ["endpoint"] = endpoint,
        ["port"] = port ?? 51820,
        ["mtu"] = 1420,
    };

    private static SubscriberTunnelInput Input(JsonObject reply, bool v4 = true, bool v6 = true, IPAddress? gateway = null) => new(
        "mnabcds0", "subscriber-secret", reply, gateway ?? GatewayMesh,
        v4 ? InterfaceAddress.Parse("10.201.0.2/24") : null,
        v6 ? InterfaceAddress.Parse("fd6d:6e69:6773::2/64") : null,
        1400);

    private static GatewaySession Session(string sid, string tunnel, string? publicKey, string v4, string? v6) => new()
    {
        Sid = sid,
        MeshAddress = IPAddress.Parse("fd00::a"),
        Suite = new Suite("babel", tunnel, "free"),
        Ipv4 = IPAddress.Parse(v4),
        Ipv6 = v6 is null ? null : IPAddress.Parse(v6),
        TunnelState = publicKey is null ? [] : new JsonObject { ["publicKey"] = publicKey },
        CreatedAt = DateTimeOffset.UnixEpoch,
        ExpiresAt = DateTimeOffset.UnixEpoch.AddMinutes(5),
    };

    [Fact]
    public void New_keys_are_44_characters_of_base64_and_the_public_key_matches_the_private_one()
    {
        var (privateKey, publicKey) = WireGuardKeys.Create();

        Assert.Equal(44, privateKey.Length);
        Assert.Equal(44, publicKey.Length);
        Assert.Equal(32, Convert.FromBase64String(privateKey).Length);
        Assert.Equal(32, Convert.FromBase64String(publicKey).Length);
        Assert.True(WireGuardKeys.IsValid(privateKey));
        Assert.True(WireGuardKeys.IsValid(publicKey));
        Assert.Equal(publicKey, WireGuardKeys.PublicKeyOf(privateKey));
        Assert.NotEqual(privateKey, publicKey);
    }

    [Fact]
    public void Every_key_pair_is_new()
    {
        var keys = Enumerable.Range(0, 20).Select(_ => WireGuardKeys.Create().PrivateKey).ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void The_public_key_of_a_known_private_key_matches_RFC_7748()
    {
        // RFC 7748 section 6.1: Alice's private key and public key.
        var privateKey = Convert.ToBase64String(Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        var publicKey = Convert.ToBase64String(Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));

        Assert.Equal(publicKey, WireGuardKeys.PublicKeyOf(privateKey));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // 43 characters
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 44 characters, but 33 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 31 bytes
    [InlineData("!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ")]
    public void Anything_but_32_bytes_of_base64_is_not_a_key(string? key)
    {
        Assert.False(WireGuardKeys.IsValid(key));
    }

    [Fact]
    public void The_subscribers_options_carry_the_public_key_of_its_secret()
    {
        var keys = Tunnel().CreateKeys();

        Assert.Equal(WireGuardKeys.PublicKeyOf(keys.Secret), keys.Options["publicKey"]!.GetValue<string>());
        Assert.DoesNotContain(keys.Secret, keys.Options.ToJsonString());
    }

    [Fact]
    public void A_gateway_admits_a_valid_key_and_keeps_only_that()
    {
        var key = WireGuardKeys.Create().PublicKey;

        var admission = Tunnel().Admit(new JsonObject { ["publicKey"] = key, ["extra"] = "ignored" }, Caller);

        Assert.True(admission.Ok);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["publicKey"] = key }, admission.State));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    [InlineData("""{"publicKey": 44}""")]
    [InlineData("""{"publicKey": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]}""")]
    [InlineData("""{"publicKey": "short"}""")]
    public void A_gateway_refuses_a_missing_or_invalid_key(string? options)
    {
        var admission = Tunnel().Admit(options is null ? null : JsonNode.Parse(options)!.AsObject(), Caller);

        Assert.False(admission.Ok);
        Assert.Contains("options.publicKey", admission.Error);
    }

    [Fact]
    public void A_gateway_refuses_its_own_key()
    {
        var admission = Tunnel().Admit(new JsonObject { ["publicKey"] = GatewayKeys.PublicKey }, Caller);

        Assert.False(admission.Ok);
    }

    [Fact]
    public void The_reply_names_the_gateways_public_key_and_the_address_the_subscriber_reached()
    {
        var described = Tunnel().DescribeForSubscriber(Session("s", "wireguard", "k", "10.201.0.2", null), IPAddress.Parse("10.0.0.1"));

        Assert.Equal("wireguard", described["type"]!.GetValue<string>());
        Assert.Equal(GatewayKeys.PublicKey, described["publicKey"]!.GetValue<string>());
        Assert.Equal("10.0.0.1", described["endpoint"]!.GetValue<string>());
        Assert.Equal(51820, described["port"]!.GetValue<int>());
        Assert.DoesNotContain(GatewayKeys.PrivateKey, described.ToJsonString());
    }

    [Fact]
    public void The_gateway_state_has_one_peer_per_WireGuard_session_limited_to_its_addresses()
    {
        var a = WireGuardKeys.Create().PublicKey;
        var b = WireGuardKeys.Create().PublicKey;

        var state = Tunnel(Pools()).GatewayState(
        [
            Session("1", "wireguard", a, "10.201.0.2", "fd6d:6e69:6773::2"),
            Session("2", "wireguard", b, "10.201.0.3", null),
            Session("3", "openvpn", WireGuardKeys.Create().PublicKey, "10.201.0.4", null),
            Session("4", "wireguard", null, "10.201.0.5", null),
        ]);

        var iface = Assert.Single(state.WireGuard);
        Assert.Equal("mnabcdg0", iface.Name);
        Assert.Equal(GatewayKeys.PrivateKey, iface.PrivateKey);
        Assert.Equal(51820, iface.ListenPort);
        Assert.Equal(1420, iface.Mtu);
        Assert.Equal(["10.201.0.1/24", "fd6d:6e69:6773::1/64"], iface.Addresses.Select(x => x.ToString()));
        Assert.Equal([a, b], iface.Peers.Select(p => p.PublicKey));
        Assert.Equal<IPNetwork>([IPNetwork.Parse("10.201.0.2/32"), IPNetwork.Parse("fd6d:6e69:6773::2/128")], iface.Peers[0].AllowedIps);
        Assert.Equal<IPNetwork>([IPNetwork.Parse("10.201.0.3/32")], iface.Peers[1].AllowedIps);
        Assert.All(iface.Peers, p => Assert.Null(p.Endpoint));
    }

    [Fact]
    public void A_subscriber_tunnel_goes_to_the_gateway_and_carries_everything()
    {
        var plan = Tunnel().PlanSubscriber(Input(Reply()));

        Assert.True(plan.Ok, plan.Error);
        var iface = Assert.Single(plan.State.WireGuard);
        Assert.Equal("mnabcds0", iface.Name);
        Assert.Equal("subscriber-secret", iface.PrivateKey);
        Assert.Null(iface.ListenPort);
        Assert.Equal(1400, iface.Mtu);
        Assert.Equal(["10.201.0.2/24", "fd6d:6e69:6773::2/64"], iface.Addresses.Select(a => a.ToString()));
        var peer = Assert.Single(iface.Peers);
        Assert.Equal(GatewayKeys.PublicKey, peer.PublicKey);
        Assert.Equal(new IPEndPoint(GatewayMesh, 51820), peer.Endpoint);
        Assert.Equal<IPNetwork>([IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")], peer.AllowedIps);
        Assert.Equal(25, peer.PersistentKeepalive);
    }

    [Theory]
    [InlineData("203.0.113.66")]
    [InlineData("fd00::99")]
    [InlineData("127.0.0.1")]
    [InlineData("not an address")]
    public void A_hostile_gateway_cannot_point_the_tunnel_elsewhere(string endpoint)
    {
        var plan = Tunnel().PlanSubscriber(Input(Reply(endpoint: endpoint)));

        Assert.True(plan.Ok, plan.Error);
        Assert.Equal(new IPEndPoint(GatewayMesh, 51820), Assert.Single(Assert.Single(plan.State.WireGuard).Peers).Endpoint);
    }

    [Fact]
    public void An_IPv4_gateway_address_is_the_endpoint_as_is()
    {
        var gateway = IPAddress.Parse("10.0.0.1");

        var plan = Tunnel().PlanSubscriber(Input(Reply(endpoint: "fd00::1"), gateway: gateway));

        Assert.Equal(new IPEndPoint(gateway, 51820), Assert.Single(Assert.Single(plan.State.WireGuard).Peers).Endpoint);
    }

    [Theory]
    [InlineData(true, false, "0.0.0.0/0")]
    [InlineData(false, true, "::/0")]
    public void Only_the_families_the_gateway_gave_an_address_for_go_through_the_tunnel(bool v4, bool v6, string allowed)
    {
        var plan = Tunnel().PlanSubscriber(Input(Reply(), v4, v6));

        var iface = Assert.Single(plan.State.WireGuard);
        Assert.Single(iface.Addresses);
        Assert.Equal<IPNetwork>([IPNetwork.Parse(allowed)], Assert.Single(iface.Peers).AllowedIps);
    }

    [Fact]
    public void A_reply_without_any_tunnel_address_is_refused()
    {
        var plan = Tunnel().PlanSubscriber(Input(Reply(), v4: false, v6: false));

        Assert.False(plan.Ok);
        Assert.Equal("The gateway's reply has no tunnel address", plan.Error);
        Assert.Empty(plan.State.WireGuard);
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_reply_with_an_invalid_key_is_refused(string key)
    {
        var plan = Tunnel().PlanSubscriber(Input(Reply(publicKey: key)));

        Assert.False(plan.Ok);
        Assert.Equal("The gateway's reply has no valid WireGuard public key", plan.Error);
        Assert.Empty(plan.State.WireGuard);
    }

    [Fact]
    public void A_reply_whose_key_is_not_a_string_is_refused()
    {
        var reply = Reply();
        reply["publicKey"] = 42;

        Assert.False(Tunnel().PlanSubscriber(Input(reply)).Ok);
    }

    public static TheoryData<string> BadPorts => ["0", "-1", "65536", "99999999999", "1.5", "\"51820\"", "null", "true", "[51820]"];

    [Theory]
    [MemberData(nameof(BadPorts))]
    public void A_reply_with_an_invalid_port_is_refused(string port)
    {
        var reply = JsonNode.Parse($$"""{"type":"wireguard","publicKey":"{{GatewayKeys.PublicKey}}","port":{{port}}}""")!.AsObject();

        var plan = Tunnel().PlanSubscriber(Input(reply));

        Assert.False(plan.Ok);
        Assert.Equal("The gateway's reply has no valid WireGuard port", plan.Error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65535)]
    public void Ports_at_the_ends_of_the_range_are_accepted(int port)
    {
        var plan = Tunnel().PlanSubscriber(Input(Reply(port: port)));

        Assert.Equal(port, Assert.Single(Assert.Single(plan.State.WireGuard).Peers).Endpoint!.Port);
    }

    [Fact]
    public void WireGuard_is_available_in_the_kernel_or_through_wireguard_go_and_needs_the_tools()
    {
        var tunnel = Tunnel();

        Assert.True(tunnel.Check(Facts).Available);
        Assert.True(tunnel.Check(Facts with { KernelWireGuard = true, WireGuardGo = null }).Available);
        var neither = tunnel.Check(Facts with { KernelWireGuard = false, WireGuardGo = null });
        Assert.False(neither.Available);
        Assert.Contains("wireguard-go is not installed", neither.Message);
        var noTools = tunnel.Check(Facts with { WireGuardTools = false, KernelWireGuard = true });
        Assert.False(noTools.Available);
        Assert.Contains("wireguard-tools", noTools.Message);
    }

    [Fact]
    public void The_gateway_key_is_created_once_owner_only_and_read_back()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mnigs-wgkey-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Path.Combine(dir, "wireguard.key");
            var first = WireGuardKeys.LoadOrCreate(path);
            var second = WireGuardKeys.LoadOrCreate(path);

            Assert.True(WireGuardKeys.IsValid(first));
            Assert.Equal(first, second);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

            File.WriteAllText(path, "garbage");
            Assert.Throws<InvalidDataException>(() => WireGuardKeys.LoadOrCreate(path));
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }
}
