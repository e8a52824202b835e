using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Config;
using Mnigs.Core.Gateway;
using Mnigs.Core.Protocol;
using Mnigs.Core.Suites;
using Mnigs.Daemon;
using Mnigs.Gateway;
using Mnigs.Networks;
using Mnigs.Networks.Olsr;
using Mnigs.Payments;
using Mnigs.Payments.Free;
using Mnigs.Platform;
using Mnigs.Rpc;
using Mnigs.Store;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels;
using Mnigs.Tunnels.WireGuard;

namespace Mnigs.Tests.Networks.Olsr;

/// <summary>
/// Suites are network × tunnel × payment: a gateway whose only mesh is OLSR offers olsr-wireguard-free and
/// serves it, wired as <see cref="DaemonHost"/> wires it, with the olsr adapter reading recorded answers.
/// </summary>
public sealed class OlsrSuiteTests : IAsyncLifetime
{
    private static readonly IPAddress Subscriber = IPAddress.Parse("10.77.12.1");
    private static readonly IPAddress Me = IPAddress.Parse("10.77.12.2");

    private readonly ScratchDirectory _dir = new("olsr-suite");
    private OlsrJsonInfoServer _olsrd = null!;
    private OlsrAdapter _olsr = null!;
    private MnigsStore _store = null!;
    private NetworkMonitor _networks = null!;
    private GatewayService _gateway = null!;

    public async Task InitializeAsync()
    {
        _olsrd = await OlsrJsonInfoServer.ReplayingAsync("o2");
        _olsr = new OlsrAdapter(new OlsrOptions(_olsrd.Url), NullLogger<OlsrAdapter>.Instance);
        // babel is enabled by default but not running here.
        _networks = new NetworkMonitor([new FakeNetworkAdapter("babel") { Available = false }, _olsr], NullLogger<NetworkMonitor>.Instance);
        await _networks.RefreshAsync(CancellationToken.None);

        var config = new MnigsConfig { Name = "gw", GatewayEnabled = true, MaxConnections = 4, OlsrEnabled = true, StateDir = _dir.Path };
        var pools = new TunnelPools(new AddressPool(config.WireGuardIpv4Subnet, null), null);
        var tunnels = new Dictionary<string, ITunnelAdapter>
        {
            ["wireguard"] = new WireGuardTunnel(new WireGuardOptions("mnxg0", () => WireGuardKeys.Create().PrivateKey, 51820, pools, 1420)),
        };
        var payments = new Dictionary<string, IPaymentMethod> { ["free"] = new FreePayment() };
        var clock = new ManualTimeProvider(DaemonRig.T0);
        _store = MnigsStore.Open(config.DatabasePath, clock);
        var book = new SessionBook(new Dictionary<string, TunnelPools> { ["wireguard"] = pools }, config.MaxConnections,
            TimeSpan.FromSeconds(config.SubscriberTimeout), clock, () => Guid.NewGuid().ToString("N"));
        var platform = new FakeHostPlatform { Facts = DaemonRig.GatewayFacts };
        _gateway = new GatewayService(config, new NodeIdentity("gw", "node-id-of-gw", "0.1.0-test"), _networks, tunnels, payments, book, _store,
            new HostStateCoordinator(platform, NullLogger<HostStateCoordinator>.Instance), new HookRunner(NullLogger<HookRunner>.Instance),
            DaemonRig.GatewayFacts, NullLogger<GatewayService>.Instance);
        await _gateway.StartAsync(DaemonRig.GatewayFacts, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _olsr.Dispose();
        await _olsrd.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public void The_network_monitor_knows_olsr_with_its_addresses_and_hosts()
    {
        var snapshot = _networks.Snapshots["olsr"];

        Assert.True(snapshot.Health.Available, snapshot.Health.Message);
        Assert.Equal([Me, IPAddress.Parse("10.77.23.2")], snapshot.Addresses);
        Assert.Equal(["olsr"], _networks.AvailableNetworks);
        Assert.Equal(["olsr"], _networks.NetworksOf(Subscriber));
    }

    [Fact]
    public void A_gateway_on_an_olsr_mesh_offers_olsr_wireguard_free()
    {
        Assert.Equal([new Suite("olsr", "wireguard", "free")], _gateway.Suites());
        var suite = Assert.IsType<JsonObject>(Assert.Single(_gateway.NodeInfo()["suites"]!.AsArray()));
        Assert.Equal("olsr-wireguard-free", suite["id"]!.GetValue<string>());
        Assert.Equal("olsr", suite["network"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscriber_on_the_olsr_mesh_gets_a_wireguard_session()
    {
        var reply = await _gateway.RequestConnectionAsync(Call(new JsonObject
        {
            ["sid"] = "subscriber-node-id",
            ["name"] = "laptop",
            ["port"] = 65533,
            ["method"] = "olsr-wireguard-free",
            ["options"] = new JsonObject { ["publicKey"] = WireGuardKeys.Create().PublicKey },
        }), CancellationToken.None);

        Assert.True(RpcWire.Success(reply), reply.ToJsonString());
        Assert.Equal(1, _gateway.SessionCount);
    }

    [Fact]
    public async Task When_olsrd_stops_the_olsr_suite_is_withdrawn_and_the_gateway_says_why()
    {
        var url = _olsrd.Url;
        await _olsrd.DisposeAsync();
        _olsrd = OlsrJsonInfoServer.Headerless(_ => null);

        await _networks.RefreshAsync(CancellationToken.None);

        Assert.Empty(_gateway.Suites());
        Assert.Equal("no mesh network is available: babel is not running; "
            + $"olsrd's jsoninfo plugin does not answer at {url}: connection refused (is olsrd running? load olsrd_jsoninfo in olsrd.conf)",
            _gateway.NotServingReason);
    }

    private RpcCall Call(JsonObject parameters)
    {
        using var document = JsonDocument.Parse(parameters.ToJsonString());
        return new RpcCall(RpcParams.Bind(document.RootElement.Clone(), ["sid", "name", "port", "method", "options"]), Subscriber, Me);
    }
}
