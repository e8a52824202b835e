using System.Net;
using Mnigs.Core.Config;
using Mnigs.Core.Suites;
using Mnigs.Store;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Subscriber;

/// <summary>
/// The autopilot in a subscriber daemon with two real gateway daemons in the same process, on a fake
/// clock: probes are answered (or not) as each test says, and time moves in 200 ms probe rounds with a
/// mesh round and a decision every second, as the daemon's loops run them.
/// </summary>
public sealed class AutopilotTests : IAsyncLifetime
{
    private static readonly IPAddress MeshA = IPAddress.Parse("fd00::1");
    private static readonly IPAddress MeshB = IPAddress.Parse("fd00::2");
    private static readonly IPAddress SubscriberMesh = IPAddress.Parse("fd00::5");
    private static readonly IPAddress TunnelA = IPAddress.Parse("10.201.0.1");
    private static readonly IPAddress TunnelB = IPAddress.Parse("10.202.0.1");

    private readonly List<DaemonRig> _rigs = [];
    private DaemonRig _a = null!;
    private DaemonRig _b = null!;
    private DaemonRig _sub = null!;
    private MeshHandler _mesh = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var rig in _rigs)
            await rig.DisposeAsync();
    }

    private async Task Start(Func<MnigsConfig, MnigsConfig>? subscriber = null, int leaseA = 300)
    {
        _mesh = new MeshHandler(SubscriberMesh);
        _a = await DaemonRig.StartAsync(c => c with { Name = "gwa", SubscriberTimeout = leaseA });
        _rigs.Add(_a);
        _b = await DaemonRig.StartAsync(c => c with
        {
            Name = "gwb",
            WireGuardIpv4Subnet = IPNetwork.Parse("10.202.0.0/24"),
            WireGuardIpv6Subnet = IPNetwork.Parse("fd6d:6e69:6774::/64"),
        });
        _rigs.Add(_b);
        _mesh.Add(MeshA, () => _a.Dispatcher);
        _mesh.Add(MeshB, () => _b.Dispatcher);
        var config = (MnigsConfig c) => c with { Name = "sub", GatewayEnabled = false, Autoconnect = true };
        _sub = await DaemonRig.StartAsync(c => (subscriber ?? (x => x))(config(c)), http: _mesh);
        _rigs.Add(_sub);
        // Both gateways as a scan found them.
        foreach (var (rig, address) in new[] { (_a, MeshA), (_b, MeshB) })
            await _sub.Store.UpsertGatewayAsync(new GatewayRecord
            {
                NodeId = rig.Identity.NodeId,
                Name = rig.Config.Name,
                Address = address,
                Port = 65533,
                Suites = [new Suite("babel", "wireguard", "free")],
                Source = GatewaySource.Scan,
                LearnedAt = DaemonRig.T0,
                LastSeen = DaemonRig.T0,
            });
    }

    private void Answer(IPAddress mesh, IPAddress tunnel, double ms)
    {
        _sub.Prober.SetAnswer(mesh, null, TimeSpan.FromMilliseconds(ms));
        for (var slot = 0; slot < 3; slot++)
            _sub.Prober.SetAnswer(tunnel, _sub.Subscriber.InterfaceOf(slot), TimeSpan.FromMilliseconds(ms));
    }

    private void Silence(IPAddress mesh, IPAddress tunnel)
    {
        _sub.Prober.SetDown(mesh, null);
        for (var slot = 0; slot < 3; slot++)
            _sub.Prober.SetDown(tunnel, _sub.Subscriber.InterfaceOf(slot));
    }

    /// <summary>Lets <paramref name="duration"/> pass as the daemon's loops would: a tunnel probe every 200 ms, mesh probes and a decision every second.</summary>
    private async Task Run(TimeSpan duration)
    {
        var rounds = (int)(duration / TimeSpan.FromMilliseconds(200));
        for (var i = 1; i <= rounds; i++)
        {
            _sub.Clock.Advance(TimeSpan.FromMilliseconds(200));
            await _sub.Autopilot.ProbeTunnelsAsync(CancellationToken.None);
            if (i % 5 == 0)
            {
                await _sub.Autopilot.ProbeMeshAsync(CancellationToken.None);
                await _sub.Autopilot.StepAsync(CancellationToken.None);
            }
        }
    }

    private IPAddress? Active => _sub.Subscriber.Current?.GatewayAddress;

    private string RouteDevice => Assert.Single(_sub.Platform.Current.Routes, r => r.Destination.PrefixLength == 0 && r.Destination.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).Device;

    [Fact]
    public async Task Autoconnect_measures_first_and_picks_the_gateway_with_the_shorter_round_trip()
    {
        await Start();
        Answer(MeshA, TunnelA, 40);
        Answer(MeshB, TunnelB, 8);

        await _sub.Autopilot.StepAsync(CancellationToken.None);

        Assert.Equal(MeshB, Active);
        Assert.Equal(_sub.Subscriber.Current!.Interface, RouteDevice);
        await Run(TimeSpan.FromSeconds(2));
        Assert.True(_sub.Autopilot.Online);
        Assert.Equal("online", _sub.Autopilot.Describe()["state"]!.GetValue<string>());

        // What `mnigs-cli status` prints of it.
        var status = await _sub.CallAsync("status", null, IPAddress.Loopback);
        var text = Mnigs.Cli.Output.Status(status);
        Assert.Contains("Online    yes — online", text);
        Assert.Matches(@"gwb\s+fd00::2\s+usable\s+[\d.]+\s+8 ms\s+0 %\s+up\s+8 ms\s+0 %", text);
        Assert.Matches(@"gwa\s+fd00::1\s+usable", text);
    }

    [Fact]
    public async Task Probes_missed_while_a_new_tunnel_handshakes_are_not_counted_as_loss()
    {
        await Start();
        _sub.Prober.SetAnswer(MeshA, null, TimeSpan.FromMilliseconds(5));
        await _sub.Autopilot.StepAsync(CancellationToken.None);
        Assert.Equal(MeshA, Active);

        // WireGuard's first handshake: two probes go unanswered, then the tunnel answers.
        for (var i = 0; i < 2; i++)
        {
            _sub.Clock.Advance(TimeSpan.FromMilliseconds(200));
            await _sub.Autopilot.ProbeTunnelsAsync(CancellationToken.None);
        }
        Answer(MeshA, TunnelA, 5);
        await Run(TimeSpan.FromSeconds(2));

        var gwa = _sub.Autopilot.Describe()["gateways"]!.AsArray().Single(g => g!["name"]!.GetValue<string>() == "gwa")!;
        Assert.Equal(0, gwa["through"]!["loss"]!.GetValue<double>());
        Assert.Equal("up", gwa["tunnel"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_autoconnect_nothing_connects_but_every_gateway_is_measured_now_and_then()
    {
        await Start(c => c with { Autoconnect = false });
        Answer(MeshA, TunnelA, 10);
        Answer(MeshB, TunnelB, 10);

        await Run(TimeSpan.FromSeconds(25));

        // Not steering: one mesh probe per gateway every 10 s, not every second.
        Assert.Equal(3, _sub.Prober.Sent.Count(p => p.Target.Equals(MeshA) && p.Interface is null));

        Assert.Null(Active);
        Assert.Equal(0, _mesh.Count(MeshA, "requestConnection") + _mesh.Count(MeshB, "requestConnection"));
        var gateways = _sub.Autopilot.Describe()["gateways"]!.AsArray();
        Assert.Equal(2, gateways.Count);
        Assert.All(gateways, g => Assert.True(g!["mesh"]!["samples"]!.GetValue<int>() >= 3));
    }

    [Fact]
    public async Task A_dead_gateway_is_left_within_three_missed_probes_and_its_tunnel_removed()
    {
        await Start();
        Answer(MeshA, TunnelA, 5);
        Answer(MeshB, TunnelB, 9);
        await Run(TimeSpan.FromSeconds(3));
        Assert.Equal(MeshA, Active);
        var deadInterface = _sub.Subscriber.Current!.Interface;

        Silence(MeshA, TunnelA);
        _mesh.Kill(MeshA);
        // Three rounds of missed probes (0.6 s), then the decision the down tunnel wakes.
        for (var i = 0; i < 3; i++)
        {
            _sub.Clock.Advance(TimeSpan.FromMilliseconds(200));
            await _sub.Autopilot.ProbeTunnelsAsync(CancellationToken.None);
        }
        await _sub.Autopilot.StepAsync(CancellationToken.None);

        Assert.Equal(MeshB, Active);
        Assert.Equal(1, _sub.Autopilot.Failovers);
        var tunnel = Assert.Single(_sub.Platform.Current.WireGuard);
        Assert.NotEqual(deadInterface, tunnel.Name);
        Assert.Equal(tunnel.Name, RouteDevice);
        Assert.Equal("Failover", _sub.Autopilot.Describe()["lastFailover"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_slightly_better_gateway_never_takes_a_healthy_connection()
    {
        await Start();
        Answer(MeshA, TunnelA, 20);
        Answer(MeshB, TunnelB, 30);
        await Run(TimeSpan.FromSeconds(3));
        Assert.Equal(MeshA, Active);

        // B becomes 10 % better than A: within the 20 % margin.
        Answer(MeshB, TunnelB, 18);
        await Run(TimeSpan.FromMinutes(3));

        Assert.Equal(MeshA, Active);
        Assert.Equal(0, _sub.Autopilot.Failovers);
    }

    [Fact]
    public async Task A_much_better_gateway_takes_over_only_after_it_stayed_better_for_the_switch_delay()
    {
        await Start();
        Answer(MeshA, TunnelA, 40);
        Answer(MeshB, TunnelB, 60);
        await Run(TimeSpan.FromSeconds(3));
        Assert.Equal(MeshA, Active);

        Answer(MeshB, TunnelB, 5);
        await Run(TimeSpan.FromSeconds(25));
        Assert.Equal(MeshA, Active);
        await Run(TimeSpan.FromSeconds(40));

        Assert.Equal(MeshB, Active);
        Assert.Equal(1, _sub.Autopilot.Failovers);
        // Without standby the old tunnel is gone.
        Assert.Single(_sub.Platform.Current.WireGuard);
    }

    [Fact]
    public async Task With_standby_the_runner_up_tunnel_is_up_and_failover_only_moves_the_routes()
    {
        await Start(c => c with { Standby = true });
        Answer(MeshA, TunnelA, 5);
        Answer(MeshB, TunnelB, 9);
        await Run(TimeSpan.FromSeconds(3));
        Assert.Equal(MeshA, Active);
        Assert.Equal(2, _sub.Platform.Current.WireGuard.Length);
        var standby = Assert.Single(_sub.Subscriber.Connections, c => c.GatewayAddress.Equals(MeshB));
        var requestsToB = _mesh.Count(MeshB, "requestConnection");

        Silence(MeshA, TunnelA);
        _mesh.Kill(MeshA);
        await Run(TimeSpan.FromSeconds(1));

        Assert.Equal(MeshB, Active);
        Assert.Equal(standby.Sid, _sub.Subscriber.Current!.Sid);
        Assert.Equal(standby.Interface, RouteDevice);
        Assert.Equal(requestsToB, _mesh.Count(MeshB, "requestConnection"));
        Assert.Single(_sub.Platform.Current.WireGuard);
    }

    [Fact]
    public async Task The_preferred_gateway_gets_the_traffic_back_once_after_it_recovered()
    {
        await Start(c => c with { PreferredGateways = ["gwa"] });
        Answer(MeshA, TunnelA, 30);
        Answer(MeshB, TunnelB, 5);
        await Run(TimeSpan.FromSeconds(3));
        Assert.Equal(MeshA, Active);

        Silence(MeshA, TunnelA);
        _mesh.Kill(MeshA);
        await Run(TimeSpan.FromSeconds(2));
        Assert.Equal(MeshB, Active);

        Answer(MeshA, TunnelA, 30);
        _mesh.Revive(MeshA);
        await Run(TimeSpan.FromSeconds(40));
        Assert.Equal(MeshB, Active);
        await Run(TimeSpan.FromSeconds(40));
        Assert.Equal(MeshA, Active);

        await Run(TimeSpan.FromMinutes(3));
        Assert.Equal(MeshA, Active);
        Assert.Equal(2, _sub.Autopilot.Failovers);
    }

    [Fact]
    public async Task A_gateway_that_refuses_is_retried_with_back_off_not_hammered()
    {
        await Start();
        Answer(MeshA, TunnelA, 5);
        _mesh.Kill(MeshA);
        // B does not answer probes (unusable), so A is the only candidate.

        await Run(TimeSpan.FromSeconds(60));

        var attempts = _mesh.Count(MeshA, "nodeInfo");
        // Waits of about 1, 2, 4, 8, 16, 32 s (less up to 20 % jitter): at most 7 tries in a minute, not 60.
        Assert.InRange(attempts, 3, 8);
        Assert.Null(Active);
        Assert.Equal("no usable gateway; still trying", _sub.Autopilot.Describe()["state"]!.GetValue<string>());

        _mesh.Revive(MeshA);
        await Run(TimeSpan.FromSeconds(70));
        Assert.Equal(MeshA, Active);
    }

    [Fact]
    public async Task Disconnect_stops_the_autopilot_until_the_next_connect()
    {
        await Start();
        Answer(MeshA, TunnelA, 5);
        Answer(MeshB, TunnelB, 9);
        await Run(TimeSpan.FromSeconds(2));
        Assert.NotNull(Active);

        await _sub.CallAsync("disconnect", null, IPAddress.Loopback);
        await Run(TimeSpan.FromSeconds(10));
        Assert.Null(Active);
        Assert.Empty(_sub.Platform.Current.WireGuard);

        var reply = await _sub.CallAsync("connect", new System.Text.Json.Nodes.JsonObject(), IPAddress.Loopback);
        Assert.True(reply["success"]!.GetValue<bool>(), reply.ToJsonString());
        Assert.Equal(MeshA, Active);
    }

    [Fact]
    public async Task A_gateway_whose_daemon_stops_renewing_is_left_while_its_tunnel_still_works()
    {
        // A short lease: the renewal timer runs on real time (a third of the lease, 3.3 s).
        await Start(leaseA: 10);
        Answer(MeshA, TunnelA, 5);
        Answer(MeshB, TunnelB, 9);
        await Run(TimeSpan.FromSeconds(2));
        Assert.Equal(MeshA, Active);

        // The gateway's daemon is gone; its tunnel answers probes throughout.
        _mesh.Kill(MeshA);
        await WaitUntil(() => _sub.Autopilot.Describe()["state"]!.GetValue<string>() == "gateway down");
        await Run(TimeSpan.FromSeconds(2));

        Assert.Equal(MeshB, Active);
    }

    [Fact]
    public async Task An_operators_connect_pins_the_gateway_and_failover_still_protects_it()
    {
        await Start(c => c with { Autoconnect = false });
        Answer(MeshA, TunnelA, 50);
        Answer(MeshB, TunnelB, 5);

        var reply = await _sub.CallAsync("connect", new System.Text.Json.Nodes.JsonObject { ["address"] = MeshA.ToString() }, IPAddress.Loopback);
        Assert.True(reply["success"]!.GetValue<bool>(), reply.ToJsonString());
        await Run(TimeSpan.FromMinutes(2));
        Assert.Equal(MeshA, Active);

        Silence(MeshA, TunnelA);
        _mesh.Kill(MeshA);
        await Run(TimeSpan.FromSeconds(2));
        Assert.Equal(MeshB, Active);
    }

    [Fact]
    public async Task Going_online_and_offline_runs_the_hooks_with_the_gateway()
    {
        using var dir = new ScratchDirectory("hooks");
        var log = dir.File("events");
        var hook = dir.File("hook.sh");
        await File.WriteAllTextAsync(hook, $"#!/bin/sh\necho \"$MNIGS_EVENT $MNIGS_GATEWAY\" >> {log}\n");
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await Start(c => c with { OnGoingOnline = hook, OnGoingOffline = hook });
        Answer(MeshA, TunnelA, 5);

        await Run(TimeSpan.FromSeconds(2));
        Assert.True(_sub.Autopilot.Online);
        await WaitUntil(() => File.Exists(log) && File.ReadAllText(log).Contains("onGoingOnline fd00::1"));

        // The only gateway stops answering: nowhere to go, so the node is offline (and says so).
        var sid = _sub.Subscriber.Current!.Sid;
        Silence(MeshA, TunnelA);
        await Run(TimeSpan.FromSeconds(2));
        Assert.False(_sub.Autopilot.Online);
        await WaitUntil(() => File.ReadAllText(log).Contains("onGoingOffline"));
        Assert.Equal(["onGoingOnline fd00::1"], File.ReadAllLines(log).Where(l => l.StartsWith("onGoingOnline", StringComparison.Ordinal)));

        // Its tunnel stays, so when the gateway comes back (a restart with its sessions) the same session carries on.
        Assert.Equal(sid, _sub.Subscriber.Current?.Sid);
        Answer(MeshA, TunnelA, 5);
        await Run(TimeSpan.FromSeconds(2));
        Assert.True(_sub.Autopilot.Online);
        Assert.Equal(sid, _sub.Subscriber.Current?.Sid);
        await WaitUntil(() => File.ReadAllLines(log).Count(l => l.StartsWith("onGoingOnline", StringComparison.Ordinal)) == 2);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition());
    }
}
