using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

public sealed class LinuxPlatformApplyTests : IDisposable
{
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    [Fact]
    public async Task Subscriber_tunnel_on_a_host_without_kernel_WireGuard_uses_wireguard_go()
    {
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal(
        [
            "ip -j addr show",
            "ip link add mnt3fa2s0 type wireguard",
            "/usr/bin/wireguard-go mnt3fa2s0",
            "wg setconf mnt3fa2s0 /dev/stdin",
            "ip addr replace 10.201.0.5/32 dev mnt3fa2s0",
            "ip addr replace fd6d:6e69:6773::5/128 dev mnt3fa2s0",
            "ip link set mnt3fa2s0 mtu 1380 up",
            "ip -j -4 route show table 5151",
            "ip -4 route replace 0.0.0.0/0 dev mnt3fa2s0 table 5151",
            "ip -j -6 route show table 5151",
            "ip -6 route replace ::/0 dev mnt3fa2s0 table 5151",
            "ip -j -N -4 rule show",
            "ip -4 rule add priority 5200 lookup main suppress_prefixlength 0",
            "ip -4 rule add priority 5201 lookup 5151",
            "ip -j -N -6 rule show",
            "ip -6 rule add priority 5200 lookup main suppress_prefixlength 0",
            "ip -6 rule add priority 5201 lookup 5151",
            "nft list tables",
        ], _scenario.Host.CommandLines);
    }

    [Fact]
    public async Task The_private_key_travels_only_on_wg_stdin_and_is_never_logged()
    {
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        var setconf = Assert.Single(_scenario.Host.Calls, c => c.Stdin?.Contains(PlatformScenario.SubscriberKey) == true);
        Assert.Equal("wg setconf mnt3fa2s0 /dev/stdin", setconf.ToString());
        Assert.Equal(
            $"""
            [Interface]
            PrivateKey = {PlatformScenario.SubscriberKey}

            [Peer]
            PublicKey = {PlatformScenario.GatewayPublicKey}
            Endpoint = 10.0.0.1:51820
            AllowedIPs = 0.0.0.0/0, ::/0
            PersistentKeepalive = 25

            """.ReplaceLineEndings("\n"), setconf.Stdin);
        Assert.DoesNotContain(_scenario.Host.Calls, c => c.Arguments.Any(a => a.Contains(PlatformScenario.SubscriberKey)));
        Assert.NotEmpty(_scenario.Log.Lines);
        Assert.DoesNotContain(_scenario.Log.Lines, l => l.Contains(PlatformScenario.SubscriberKey));
    }

    [Fact]
    public async Task Applying_the_same_state_again_changes_nothing()
    {
        using var platform = _scenario.NewPlatform();
        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);
        _scenario.SubscriberHost();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Empty(_scenario.Host.Changes);
        Assert.Contains("wg showconf mnt3fa2s0", _scenario.Host.CommandLines);
    }

    [Fact]
    public async Task A_restarted_daemon_finding_its_state_in_place_changes_nothing()
    {
        _scenario.SubscriberHost();
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Empty(_scenario.Host.Changes);
    }

    [Fact]
    public async Task A_changed_peer_is_synced_without_recreating_the_interface()
    {
        _scenario.SubscriberHost();
        using var platform = _scenario.NewPlatform();
        var state = PlatformScenario.Subscriber();
        var wg = state.WireGuard[0];
        var moved = state with { WireGuard = [wg with { Peers = [wg.Peers[0] with { Endpoint = System.Net.IPEndPoint.Parse("10.0.0.2:51820") }] }] };

        await platform.ApplyAsync(moved, CancellationToken.None);

        Assert.Equal(["wg syncconf mnt3fa2s0 /dev/stdin"], _scenario.Host.Changes);
    }

    [Fact]
    public async Task Changed_addresses_and_mtu_are_converged_in_place()
    {
        _scenario.SubscriberHost();
        using var platform = _scenario.NewPlatform();
        var state = PlatformScenario.Subscriber();
        var wg = state.WireGuard[0];
        var changed = state with { WireGuard = [wg with { Addresses = [InterfaceAddress.Parse("10.201.0.9/32")], Mtu = 1280 }] };

        await platform.ApplyAsync(changed, CancellationToken.None);

        Assert.Equal(
        [
            "ip addr replace 10.201.0.9/32 dev mnt3fa2s0",
            "ip addr del 10.201.0.5/32 dev mnt3fa2s0",
            "ip addr del fd6d:6e69:6773::5/128 dev mnt3fa2s0",
            "ip link set mnt3fa2s0 mtu 1280 up",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task Going_back_to_the_empty_state_removes_links_routes_and_rules()
    {
        _scenario.SubscriberHost();
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(HostState.Empty, CancellationToken.None);

        Assert.Equal(
        [
            "ip -4 route del 0.0.0.0/0 dev mnt3fa2s0 table 5151",
            "ip -6 route del ::/0 dev mnt3fa2s0 metric 1024 table 5151",
            "ip -4 rule del priority 5200",
            "ip -4 rule del priority 5201",
            "ip -6 rule del priority 5200",
            "ip -6 rule del priority 5201",
            "ip link del mnt3fa2s0",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task A_link_with_our_prefix_that_is_not_WireGuard_is_recreated()
    {
        _scenario.SubscriberHost().Answer("wg showconf mnt3fa2s0", CommandResult.Fail(1, "Unable to access interface: Protocol not supported\n"));
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal(
        [
            "ip link del mnt3fa2s0",
            "ip link add mnt3fa2s0 type wireguard",
            "/usr/bin/wireguard-go mnt3fa2s0",
            "wg setconf mnt3fa2s0 /dev/stdin",
            "ip addr replace 10.201.0.5/32 dev mnt3fa2s0",
            "ip addr replace fd6d:6e69:6773::5/128 dev mnt3fa2s0",
            "ip link set mnt3fa2s0 mtu 1380 up",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task With_kernel_WireGuard_no_helper_process_is_started()
    {
        _scenario.Host.Answer("ip link add mnt3fa2s0 type wireguard", CommandResult.Ok);
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.DoesNotContain(_scenario.Host.CommandLines, l => l.Contains("wireguard-go"));
        Assert.Equal("ip link add mnt3fa2s0 type wireguard", _scenario.Host.Changes[0]);
        Assert.Equal("wg setconf mnt3fa2s0 /dev/stdin", _scenario.Host.Changes[1]);
    }

    [Fact]
    public async Task Without_kernel_support_or_wireguard_go_the_error_says_so()
    {
        _scenario.Host.Programs.Remove("wireguard-go");
        using var platform = _scenario.NewPlatform();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None));

        Assert.Contains("no WireGuard support and wireguard-go is not installed", error.Message);
    }

    [Fact]
    public async Task A_failing_wg_names_the_command_and_its_error_but_not_the_key()
    {
        _scenario.Host.Answer("wg setconf mnt3fa2s0 /dev/stdin",
            CommandResult.Fail(1, $"Key is not the correct length or format: `{PlatformScenario.SubscriberKey}'\nConfiguration parsing error\n"));
        using var platform = _scenario.NewPlatform();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None));

        Assert.Contains("'wg setconf mnt3fa2s0 /dev/stdin' failed with exit code 1: Key is not the correct length or format", error.Message);
        Assert.DoesNotContain(PlatformScenario.SubscriberKey, error.Message);
        Assert.DoesNotContain(_scenario.Log.Lines, l => l.Contains(PlatformScenario.SubscriberKey));
    }

    [Fact]
    public async Task Interfaces_without_the_prefix_are_refused()
    {
        using var platform = _scenario.NewPlatform();
        var state = PlatformScenario.Subscriber();
        var foreign = state with { WireGuard = [state.WireGuard[0] with { Name = "eth0" }] };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => platform.ApplyAsync(foreign, CancellationToken.None));

        Assert.Contains("is not named like Mnigs' own", error.Message);
        Assert.Empty(_scenario.Host.Calls);
    }

    [Fact]
    public async Task A_policy_with_another_table_than_the_platforms_is_refused()
    {
        using var platform = _scenario.NewPlatform();
        var state = PlatformScenario.Subscriber() with { Policy = new RoutingPolicy(100, 5200) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => platform.ApplyAsync(state, CancellationToken.None));

        Assert.Contains("cleanup would not find it", error.Message);
    }

    [Fact]
    public async Task A_route_in_our_table_to_another_device_is_replaced()
    {
        _scenario.SubscriberHost()
            .Answer("ip -j -4 route show table 5151", """[{"dst":"default","dev":"mnt3fa2s1","scope":"link","flags":[]},{"dst":"10.9.0.0/16","gateway":"10.201.0.1","dev":"mnt3fa2s0","flags":[]},{"type":"unreachable","dst":"10.8.0.0/16","flags":[]}]""");
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal(
        [
            "ip -4 route del 0.0.0.0/0 dev mnt3fa2s1 table 5151",
            "ip -4 route del 10.9.0.0/16 via 10.201.0.1 dev mnt3fa2s0 table 5151",
            "ip -4 route del unreachable 10.8.0.0/16 table 5151",
            "ip -4 route replace 0.0.0.0/0 dev mnt3fa2s0 table 5151",
        ], _scenario.Host.Changes);
    }

    [Fact]
    public async Task Stray_rules_at_our_priorities_are_replaced_by_ours()
    {
        _scenario.SubscriberHost()
            .Answer("ip -j -N -4 rule show",
                """[{"priority":0,"src":"all","table":"255"},{"priority":5200,"src":"10.0.0.0","srclen":8,"table":"254"},{"priority":5201,"src":"all","table":"5151"},{"priority":32766,"src":"all","table":"254"}]""");
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(PlatformScenario.Subscriber(), CancellationToken.None);

        Assert.Equal(
        [
            "ip -4 rule del priority 5200",
            "ip -4 rule del priority 5201",
            "ip -4 rule add priority 5200 lookup main suppress_prefixlength 0",
            "ip -4 rule add priority 5201 lookup 5151",
        ], _scenario.Host.Changes);
    }
}
