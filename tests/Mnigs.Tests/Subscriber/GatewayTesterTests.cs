using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Host;
using Mnigs.Core.Selection;
using Mnigs.Core.Suites;
using Mnigs.Rpc;
using Mnigs.Store;
using Mnigs.Subscriber;
using Mnigs.Subscriber.Probing;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Subscriber;

/// <summary>
/// `testGateways` (mnigs-cli test) against a gateway daemon in the same process: the mesh is a table of
/// mesh address → daemon, the probes are answered by a <see cref="FakeProber"/>. No real tunnel carries
/// anything here, so the speed test meets a scripted /speedtest; the lab test downloads through WireGuard.
/// </summary>
public sealed class GatewayTesterTests : IAsyncLifetime
{
    private static readonly IPAddress SubscriberMesh = IPAddress.Parse("fd00::5");
    private static readonly IPAddress DeadMesh = IPAddress.Parse("fd00::9");
    private static readonly IPAddress InsideTunnel = IPAddress.Parse("10.201.0.1");
    private static readonly TimeSpan MeshRtt = TimeSpan.FromMilliseconds(12);
    private static readonly TimeSpan TunnelRtt = TimeSpan.FromMilliseconds(15);

    private readonly MeshRoutes _mesh = new();
    private readonly List<IAsyncDisposable> _rigs = [];
    private readonly List<HttpClient> _clients = [];
    private DaemonRig _gateway = null!;
    private DaemonRig _subscriber = null!;

    public async Task InitializeAsync()
    {
        _gateway = await DaemonRig.StartAsync();
        _rigs.Add(_gateway);
        _mesh.Hosts[DaemonRig.GatewayMesh] = new DispatcherHandler(() => _gateway.Dispatcher, SubscriberMesh);
        _subscriber = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false }, http: _mesh);
        _rigs.Add(_subscriber);
        await KnowAsync("gw", DaemonRig.GatewayMesh, _gateway.Identity.NodeId);
        _subscriber.Prober.SetAnswer(DaemonRig.GatewayMesh, null, MeshRtt);
        _subscriber.Prober.SetAnswer(InsideTunnel, TestInterface, TunnelRtt);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
            client.Dispose();
        foreach (var rig in Enumerable.Reverse(_rigs))
            await rig.DisposeAsync();
    }

    /// <summary>The interface a test tunnel gets while nothing else is open.</summary>
    private string TestInterface => _subscriber.Subscriber.InterfaceOf(0);

    private Task KnowAsync(string name, IPAddress address, string id) =>
        _subscriber.Store.UpsertGatewayAsync(new GatewayRecord
        {
            NodeId = id,
            Name = name,
            Address = address,
            Port = 65533,
            Suites = [Suite.TryParse("babel-wireguard-free", out var suite) ? suite : throw new InvalidOperationException()],
            Source = GatewaySource.Scan,
            LearnedAt = DaemonRig.T0,
            LastSeen = DaemonRig.T0,
        });

    /// <summary>A tester on the subscriber's parts, whose pauses between probes pass at once.</summary>
    private GatewayTester Tester(IProber? prober = null, HttpMessageHandler? speedTest = null)
    {
        var rpc = new HttpClient(_mesh, disposeHandler: false);
        _clients.Add(rpc);
        HttpClient? speed = null;
        if (speedTest is not null)
            _clients.Add(speed = new HttpClient(speedTest));
        return new GatewayTester(_subscriber.Subscriber, _subscriber.Known, prober ?? _subscriber.Prober, new RpcClient(rpc), speed,
            new NoWaiting(_subscriber.Clock), NullLogger<GatewayTester>.Instance);
    }

    private static JsonObject Only(JsonObject result)
    {
        Assert.True(RpcWire.Success(result), result.ToJsonString());
        return Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<JsonArray>(result["gateways"])));
    }

    private async Task AssertNoTunnelLeftAsync()
    {
        Assert.Empty(_subscriber.Subscriber.Connections);
        Assert.Empty(_subscriber.Platform.Current.WireGuard);
        Assert.Empty(_subscriber.Platform.Current.Routes);
        // The release reaches the gateway in the background.
        for (var i = 0; i < 100 && _gateway.Gateway.Sessions.Count > 0; i++)
            await Task.Delay(20);
        Assert.Empty(_gateway.Gateway.Sessions);
    }

    [Fact]
    public async Task Testing_a_gateway_measures_the_mesh_and_a_test_tunnel_then_closes_the_tunnel()
    {
        var result = await _subscriber.CallAsync("testGateways", new JsonObject { ["gateway"] = "gw", ["throughput"] = false }, IPAddress.Loopback);

        var gw = Only(result);
        Assert.Equal("gw", gw["name"]!.GetValue<string>());
        Assert.Equal(_gateway.Identity.NodeId, gw["id"]!.GetValue<string>());
        Assert.Equal("fd00::1", gw["address"]!.GetValue<string>());
        Assert.True(gw["reachable"]!.GetValue<bool>());
        Assert.Equal(10, gw["mesh"]!["sent"]!.GetValue<int>());
        Assert.Equal(0, gw["mesh"]!["lost"]!.GetValue<int>());
        Assert.Equal(0, gw["mesh"]!["loss"]!.GetValue<double>());
        Assert.Equal(12, gw["mesh"]!["rttMs"]!.GetValue<double>());
        Assert.True(gw["nodeInfo"]!.GetValue<bool>());
        Assert.Equal(0, gw["load"]!.GetValue<int>());
        Assert.Equal(4, gw["capacity"]!.GetValue<int>());
        var tunnel = Assert.IsType<JsonObject>(gw["tunnel"]);
        Assert.True(tunnel["upMs"]!.GetValue<double>() >= 0);
        Assert.Equal(10, tunnel["sent"]!.GetValue<int>());
        Assert.Equal(0, tunnel["lost"]!.GetValue<int>());
        Assert.Equal(15, tunnel["rttMs"]!.GetValue<double>());
        Assert.Null(tunnel["throughputMbps"]);
        Assert.Null(gw["error"]);
        await AssertNoTunnelLeftAsync();
        Assert.Equal(ConnectionState.Released, Assert.Single(await _subscriber.Store.ListConnectionsAsync()).State);
    }

    [Fact]
    public async Task The_test_tunnel_is_marked_test_and_nothing_is_routed_through_it()
    {
        var seen = new List<(IReadOnlyList<Connection> Connections, HostState Host)>();
        var prober = new WatchingProber(_subscriber.Prober, iface =>
        {
            if (iface is not null)
                lock (seen)
                    seen.Add((_subscriber.Subscriber.Connections, _subscriber.Platform.Current));
        });

        Only(await Tester(prober).TestAsync("gw", throughput: false, CancellationToken.None));

        Assert.NotEmpty(seen);
        foreach (var (connections, host) in seen)
        {
            var test = Assert.Single(connections);
            Assert.True(test.Test);
            Assert.Equal(TestInterface, test.Interface);
            Assert.Equal(TestInterface, Assert.Single(host.WireGuard).Name);
            Assert.Empty(host.Routes);
            Assert.Null(host.Policy);
        }
        Assert.Null(_subscriber.Subscriber.Current);
        await AssertNoTunnelLeftAsync();
    }

    [Theory]
    [InlineData("GW")]
    [InlineData("node-id-of-gw")]
    [InlineData("fd00:0::1")]
    public async Task A_gateway_is_found_by_its_id_name_or_address(string gateway)
    {
        var gw = Only(await Tester().TestAsync(gateway, throughput: false, CancellationToken.None));

        Assert.Equal("gw", gw["name"]!.GetValue<string>());
        Assert.Null(gw["error"]);
    }

    [Fact]
    public async Task An_unknown_gateway_is_a_clear_error()
    {
        var result = await _subscriber.CallAsync("testGateways", new JsonObject { ["gateway"] = "nope" }, IPAddress.Loopback);

        Assert.Equal("No known gateway has the id, name or address 'nope'; list them with mnigs-cli -l", RpcWire.ErrorMsg(result));
        Assert.Empty(_subscriber.Prober.Sent);
    }

    [Fact]
    public async Task A_dead_gateway_is_unreachable_with_an_error_and_leaves_no_tunnel()
    {
        await KnowAsync("dead", DeadMesh, "dead-id");

        var gw = Only(await Tester().TestAsync("dead", throughput: true, CancellationToken.None));

        Assert.False(gw["reachable"]!.GetValue<bool>());
        Assert.Equal(10, gw["mesh"]!["lost"]!.GetValue<int>());
        Assert.Equal(1, gw["mesh"]!["loss"]!.GetValue<double>());
        Assert.Null(gw["mesh"]!["rttMs"]);
        Assert.False(gw["nodeInfo"]!.GetValue<bool>());
        Assert.Null(gw["tunnel"]);
        Assert.StartsWith("No answer to nodeInfo: no answer from [fd00::9]:65533", gw["error"]!.GetValue<string>());
        await AssertNoTunnelLeftAsync();
    }

    [Fact]
    public async Task Without_a_name_every_known_gateway_is_tested_and_one_failing_does_not_stop_the_others()
    {
        await KnowAsync("dead", DeadMesh, "dead-id");

        var result = await Tester().TestAsync(null, throughput: false, CancellationToken.None);

        Assert.True(RpcWire.Success(result));
        var gateways = Assert.IsType<JsonArray>(result["gateways"]).Select(g => g!.AsObject()).ToList();
        Assert.Equal(["dead", "gw"], gateways.Select(g => g["name"]!.GetValue<string>()));
        Assert.NotNull(gateways[0]["error"]);
        Assert.Null(gateways[1]["error"]);
        Assert.Equal(10, gateways[1]["tunnel"]!["sent"]!.GetValue<int>());
        await AssertNoTunnelLeftAsync();
    }

    [Fact]
    public async Task A_gateway_that_refuses_the_tunnel_is_reported_with_its_reason()
    {
        _gateway.Platform.FailNextApply = new InvalidOperationException("wireguard-go exited");

        var gw = Only(await Tester().TestAsync("gw", throughput: false, CancellationToken.None));

        Assert.True(gw["reachable"]!.GetValue<bool>());
        Assert.True(gw["nodeInfo"]!.GetValue<bool>());
        Assert.Null(gw["tunnel"]);
        Assert.StartsWith("fd00::1 refused: The gateway could not set up the tunnel", gw["error"]!.GetValue<string>());
        await AssertNoTunnelLeftAsync();
    }

    [Fact]
    public async Task A_tunnel_that_carries_nothing_is_an_error_and_is_closed()
    {
        _subscriber.Prober.SetDown(InsideTunnel, TestInterface);
        var speedTest = new SpeedTestStub(HttpStatusCode.OK, 1000);

        var gw = Only(await Tester(speedTest: speedTest).TestAsync("gw", throughput: true, CancellationToken.None));

        var tunnel = Assert.IsType<JsonObject>(gw["tunnel"]);
        Assert.Equal(10, tunnel["lost"]!.GetValue<int>());
        Assert.Equal(1, tunnel["loss"]!.GetValue<double>());
        Assert.Null(tunnel["throughputMbps"]);
        Assert.Equal("No answer through the tunnel", gw["error"]!.GetValue<string>());
        Assert.Empty(speedTest.Requests);
        await AssertNoTunnelLeftAsync();
    }

    [Fact]
    public async Task Throughput_is_measured_with_a_download_from_the_gateways_speedtest_inside_the_tunnel()
    {
        var speedTest = new SpeedTestStub(HttpStatusCode.OK, 4 * 1024 * 1024);

        var gw = Only(await Tester(speedTest: speedTest).TestAsync("gw", throughput: true, CancellationToken.None));

        Assert.Null(gw["error"]);
        Assert.True(gw["tunnel"]!["throughputMbps"]!.GetValue<double>() > 0);
        var request = Assert.Single(speedTest.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal(new Uri($"http://10.201.0.1:65533/speedtest?bytes={GatewayTester.SpeedTestBytes}"), request.Uri);
        await AssertNoTunnelLeftAsync();
    }

    [Fact]
    public async Task A_refused_speed_test_is_reported_without_a_number()
    {
        var speedTest = new SpeedTestStub(HttpStatusCode.Forbidden, 0, "speedtest is for this gateway's subscribers\n");

        var gw = Only(await Tester(speedTest: speedTest).TestAsync("gw", throughput: true, CancellationToken.None));

        Assert.Null(gw["tunnel"]!["throughputMbps"]);
        Assert.Equal(15, gw["tunnel"]!["rttMs"]!.GetValue<double>());
        Assert.Equal("Speed test refused: HTTP 403 speedtest is for this gateway's subscribers", gw["error"]!.GetValue<string>());
        await AssertNoTunnelLeftAsync();
    }

    [Fact]
    public async Task The_gateway_counts_only_addresses_of_current_sessions_as_subscribers()
    {
        var reply = await _gateway.RequestConnectionAsync(SubscriberMesh);
        var v4 = IPAddress.Parse(reply["ipv4"]!.GetValue<string>());
        var v6 = IPAddress.Parse(reply["ipv6"]!.GetValue<string>());

        Assert.True(_gateway.Gateway.IsSubscriberAddress(v4));
        Assert.True(_gateway.Gateway.IsSubscriberAddress(v4.MapToIPv6()));
        Assert.True(_gateway.Gateway.IsSubscriberAddress(v6));
        Assert.False(_gateway.Gateway.IsSubscriberAddress(SubscriberMesh));
        Assert.False(_gateway.Gateway.IsSubscriberAddress(IPAddress.Parse("10.201.0.99")));

        await _gateway.CallAsync("releaseConnection", new JsonObject { ["sid"] = reply["sid"]!.DeepClone() }, SubscriberMesh);
        Assert.False(_gateway.Gateway.IsSubscriberAddress(v4));
    }

    /// <summary>RPC to the daemon at the URL's mesh address; any other address does not answer.</summary>
    private sealed class MeshRoutes : HttpMessageHandler
    {
        public Dictionary<IPAddress, HttpMessageHandler> Hosts { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var host = IPAddress.Parse(request.RequestUri!.Host.Trim('[', ']'));
            if (!Hosts.TryGetValue(host, out var handler))
                throw new HttpRequestException($"no route to host {host}");
            using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
            return invoker.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A gateway's /speedtest as seen through the tunnel: a status and that many bytes.</summary>
    private sealed class SpeedTestStub(HttpStatusCode status, int bytes, string? text = null) : HttpMessageHandler
    {
        private readonly List<(HttpMethod Method, Uri Uri)> _requests = [];

        public IReadOnlyList<(HttpMethod Method, Uri Uri)> Requests
        {
            get
            {
                lock (_requests)
                    return [.. _requests];
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_requests)
                _requests.Add((request.Method, request.RequestUri!));
            HttpContent content = text is not null ? new StringContent(text) : new ByteArrayContent(new byte[bytes]);
            return Task.FromResult(new HttpResponseMessage(status) { Content = content });
        }
    }

    private sealed class WatchingProber(IProber inner, Action<string?> probing) : IProber
    {
        public Task<ProbeResult> ProbeAsync(IPAddress target, string? interfaceName, TimeSpan timeout, CancellationToken ct)
        {
            probing(interfaceName);
            return inner.ProbeAsync(target, interfaceName, timeout, ct);
        }
    }

    /// <summary>The rig's clock for the time of day; timers (the pauses between probes) fire at once.</summary>
    private sealed class NoWaiting(TimeProvider clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : TimeSpan.Zero, period);
    }
}
