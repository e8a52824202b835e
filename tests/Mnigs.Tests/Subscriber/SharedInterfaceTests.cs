using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Platform;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels;

namespace Mnigs.Tests.Subscriber;

/// <summary>
/// A tunnel whose software owns the one interface all its connections use (cjdroute's TUN): the subscriber tells
/// the software, routes with the tunnel address as source, and holds one such connection at a time.
/// </summary>
public sealed class SharedInterfaceTests : IAsyncLifetime
{
    private readonly List<DaemonRig> _rigs = [];
    private readonly SharedTunnel _tunnel = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var rig in _rigs)
            await rig.DisposeAsync();
    }

    /// <summary>Records what the subscriber asks of the tunnel's software.</summary>
    private sealed class SharedTunnel : ITunnelAdapter
    {
        public List<string> Calls { get; } = [];

        public Exception? FailConnect { get; set; }

        public string Name => "shared";

        public IReadOnlyList<string> GatewayInterfaces => ["tun9"];

        public string? SharedSubscriberInterface => "tun9";

        public AdapterHealthFacts Check(HostFacts facts) => new(true, "test");

        public TunnelAdmission Admit(JsonObject? options, IPAddress caller) => TunnelAdmission.Accept([]);

        public JsonObject DescribeForSubscriber(Core.Gateway.GatewaySession session, IPAddress meshAddress) => new() { ["type"] = Name };

        public HostState GatewayState(IReadOnlyList<Core.Gateway.GatewaySession> sessions) => HostState.Empty;

        public SubscriberTunnelKeys CreateKeys() => new("", []);

        public SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input) => new(true, null, HostState.Empty);

        public Task ConnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
        {
            lock (Calls)
                Calls.Add($"connect {input.GatewayMeshAddress} on {input.InterfaceName}");
            return FailConnect is { } e ? Task.FromException(e) : Task.CompletedTask;
        }

        public Task DisconnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
        {
            lock (Calls)
                Calls.Add($"disconnect {input.GatewayMeshAddress} {input.Ipv4?.Address}");
            return Task.CompletedTask;
        }
    }

    private async Task<(DaemonRig Subscriber, ScriptedGateway Gateways)> Start()
    {
        var gateways = new ScriptedGateway();
        gateways.Answers["nodeInfo"] = _ => new JsonObject
        {
            ["success"] = true,
            ["name"] = "g",
            ["id"] = "g-id",
            ["gateway"] = true,
            ["suites"] = new JsonArray(new JsonObject { ["id"] = "babel-shared-free" }),
        };
        var n = 0;
        gateways.Answers["requestConnection"] = _ => new JsonObject
        {
            ["success"] = true,
            ["sid"] = $"{++n:x32}",
            ["method"] = "babel-shared-free",
            ["ipv4"] = $"10.202.0.{n + 1}",
            ["ipv4Prefix"] = 24,
            ["ipv4Gateway"] = "10.202.0.1",
            ["tunnel"] = new JsonObject { ["type"] = "shared" },
            ["timeoutTimestamp"] = (DaemonRig.T0 + TimeSpan.FromSeconds(300)).ToUnixTimeSeconds(),
            ["leaseSeconds"] = 300,
            ["payment"] = new JsonObject { ["method"] = "free", ["state"] = "active" },
        };
        gateways.Answers["releaseConnection"] = _ => new JsonObject { ["success"] = true };
        var subscriber = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false, WireGuardEnabled = false },
            http: gateways, extraTunnels: [_tunnel]);
        _rigs.Add(subscriber);
        return (subscriber, gateways);
    }

    [Fact]
    public async Task Routes_through_the_shared_interface_with_the_tunnel_address_as_source()
    {
        var (sub, _) = await Start();

        var result = await sub.Subscriber.ConnectAsync(IPAddress.Parse("fd00::1"), 65533, null, default);

        Assert.True(result["success"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal(["connect fd00::1 on tun9"], _tunnel.Calls);
        Assert.Equal("tun9", sub.Subscriber.Current!.Interface);
        var route = Assert.Single(sub.Platform.Current.Routes);
        Assert.Equal(new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "tun9", Source: IPAddress.Parse("10.202.0.2")), route);
        Assert.Empty(sub.Platform.Current.WireGuard);
    }

    [Fact]
    public async Task Moving_to_another_gateway_closes_the_first_before_connecting()
    {
        var (sub, gateways) = await Start();
        await sub.Subscriber.ConnectAsync(IPAddress.Parse("fd00::1"), 65533, null, default);

        var moved = await sub.Subscriber.ConnectAsync(IPAddress.Parse("fd00::2"), 65533, null, default);

        Assert.True(moved["success"]!.GetValue<bool>(), moved.ToJsonString());
        Assert.Equal(["connect fd00::1 on tun9", "disconnect fd00::1 10.202.0.2", "connect fd00::2 on tun9"], _tunnel.Calls);
        Assert.Equal(IPAddress.Parse("fd00::2"), Assert.Single(sub.Subscriber.Connections).GatewayAddress);
        Assert.Equal(IPAddress.Parse("10.202.0.3"), Assert.Single(sub.Platform.Current.Routes).Source);
        // The first gateway is told in the background (it may be dead).
        for (var i = 0; i < 100 && !gateways.Calls.Any(c => c.Method == "releaseConnection"); i++)
            await Task.Delay(50);
        Assert.Contains(gateways.Calls, c => c.Method == "releaseConnection");
    }

    [Fact]
    public async Task A_second_connection_beside_the_first_is_refused_plainly()
    {
        var (sub, _) = await Start();
        await sub.Subscriber.ConnectAsync(IPAddress.Parse("fd00::1"), 65533, null, default);

        var (standby, connection) = await sub.Subscriber.OpenAsync(IPAddress.Parse("fd00::2"), 65533, "babel-shared-free", default);

        Assert.Null(connection);
        Assert.Contains("one connection at a time", standby["errorMsg"]!.GetValue<string>());
        Assert.Single(sub.Subscriber.Connections);
    }

    [Fact]
    public async Task When_the_software_cannot_connect_the_session_is_released_and_nothing_is_routed()
    {
        var (sub, gateways) = await Start();
        _tunnel.FailConnect = new IOException("cjdroute said no");

        var result = await sub.Subscriber.ConnectAsync(IPAddress.Parse("fd00::1"), 65533, null, default);

        Assert.False(result["success"]!.GetValue<bool>());
        Assert.Contains("cjdroute said no", result["errorMsg"]!.GetValue<string>());
        Assert.Contains(gateways.Calls, c => c.Method == "releaseConnection");
        Assert.Empty(sub.Subscriber.Connections);
        Assert.Empty(sub.Platform.Current.Routes);
        Assert.Equal("disconnect fd00::1 10.202.0.2", _tunnel.Calls[^1]);
    }
}
