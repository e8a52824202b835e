using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Platform;
using Mnigs.Tests.Platform;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels.WireGuard;

namespace Mnigs.Tests.Rpc;

/// <summary>rxBytes and txBytes of listSessions: the WireGuard counters of each subscriber's peer, kept across resets and restarts.</summary>
public sealed class SessionTrafficTests : IAsyncLifetime
{
    private static readonly IPAddress Alice = IPAddress.Parse("fd00::a");
    private static readonly IPAddress Bob = IPAddress.Parse("fd00::b");

    private readonly string _aliceKey = WireGuardKeys.Create().PublicKey;
    private readonly string _bobKey = WireGuardKeys.Create().PublicKey;
    private DaemonRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DaemonRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private async Task<string> ConnectAsync(IPAddress caller, string key)
    {
        var granted = await _rig.RequestConnectionAsync(caller, key);
        Assert.True(RpcWire.Success(granted), granted.ToJsonString());
        return granted["sid"]!.GetValue<string>();
    }

    private void Counters(params (string Key, long Rx, long Tx)[] peers) =>
        _rig.Platform.SetPeerTransfers(_rig.GatewayInterface, peers.ToDictionary(p => p.Key, p => (p.Rx, p.Tx)));

    private async Task<Dictionary<string, (long Rx, long Tx)>> ListedAsync()
    {
        var list = await _rig.CallAsync("listSessions", null, IPAddress.Loopback);
        Assert.True(RpcWire.Success(list), list.ToJsonString());
        return list["sessions"]!.AsArray().Select(s => s!.AsObject()).ToDictionary(
            s => s["sid"]!.GetValue<string>(), s => (s["rxBytes"]!.GetValue<long>(), s["txBytes"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Each_session_shows_the_bytes_of_its_own_peer()
    {
        var alice = await ConnectAsync(Alice, _aliceKey);
        var bob = await ConnectAsync(Bob, _bobKey);
        Assert.Equal((0L, 0L), (await ListedAsync())[alice]);

        Counters((_aliceKey, 1_500, 98_000), (_bobKey, 7, 9), (WireGuardKeys.Create().PublicKey, 5, 5));
        await _rig.Traffic.RefreshAsync(CancellationToken.None);

        var listed = await ListedAsync();
        Assert.Equal((1_500L, 98_000L), listed[alice]);
        Assert.Equal((7L, 9L), listed[bob]);
    }

    [Fact]
    public async Task Counters_that_start_again_from_zero_add_to_the_total_which_outlives_a_restart()
    {
        var alice = await ConnectAsync(Alice, _aliceKey);
        Counters((_aliceKey, 1_000, 2_000));
        await _rig.Traffic.RefreshAsync(CancellationToken.None);

        // The peer was created again (the interface went down and up): the kernel counts from zero.
        Counters((_aliceKey, 100, 50));
        await _rig.Traffic.RefreshAsync(CancellationToken.None);
        Assert.Equal((1_100L, 2_050L), (await ListedAsync())[alice]);
        Assert.Equal(new Mnigs.Store.SessionCounters(1_100, 2_050), (await _rig.Store.LoadSessionCountersAsync())[alice]);

        await _rig.RestartAsync();
        Assert.Equal((1_100L, 2_050L), (await ListedAsync())[alice]);

        Counters((_aliceKey, 10, 20));
        await _rig.Traffic.RefreshAsync(CancellationToken.None);
        Assert.Equal((1_110L, 2_070L), (await ListedAsync())[alice]);
    }

    [Fact]
    public async Task A_released_session_is_forgotten()
    {
        var alice = await ConnectAsync(Alice, _aliceKey);
        Counters((_aliceKey, 1_000, 2_000));
        await _rig.Traffic.RefreshAsync(CancellationToken.None);

        await _rig.CallAsync("releaseSession", new JsonArray(alice), IPAddress.Loopback);
        await _rig.Traffic.RefreshAsync(CancellationToken.None);

        Assert.Equal(default, _rig.Traffic.Of(alice));
        Assert.Empty(await ListedAsync());
    }

    [Fact]
    public async Task The_linux_platform_reads_them_with_wg_show_transfer()
    {
        using var scenario = new PlatformScenario();
        scenario.Host.Answer("wg show mnt3fa2g0 transfer",
            $"{_aliceKey}\t1500\t98000\n{_bobKey}\t0\t0\nnot a line\n");
        scenario.Host.Answer("wg show mnt3fa2g1 transfer", CommandResult.Fail(1, "Unable to access interface: No such device\n"));
        using var platform = scenario.NewPlatform();

        var transfers = await platform.ReadPeerTransfersAsync("mnt3fa2g0", CancellationToken.None);

        Assert.Equal((1500L, 98000L), transfers[_aliceKey]);
        Assert.Equal((0L, 0L), transfers[_bobKey]);
        Assert.Equal(2, transfers.Count);
        Assert.Equal(["wg show mnt3fa2g0 transfer"], scenario.Host.CommandLines);
        await Assert.ThrowsAsync<CommandFailedException>(() => platform.ReadPeerTransfersAsync("mnt3fa2g1", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => platform.ReadPeerTransfersAsync("--help", CancellationToken.None));
    }
}
