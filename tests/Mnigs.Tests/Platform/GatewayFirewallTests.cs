using System.Net;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

public sealed class GatewayFirewallTests : IDisposable
{
    private readonly PlatformScenario _scenario = new();

    public void Dispose() => _scenario.Dispose();

    private static HostState Gateway => HostState.Empty with
    {
        Forwarding = true,
        Firewall = new FirewallSpec
        {
            MasqueradeSources = [IPNetwork.Parse("10.201.0.0/24")],
            Uplink = "eth0",
            SubscriberInterfaces = ["mnt3fa2s0"],
            ClampMss = true,
        },
    };

    [Fact]
    public async Task The_mnigs_table_is_replaced_atomically_with_one_nft_transaction()
    {
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(Gateway, CancellationToken.None);

        var nft = Assert.Single(_scenario.Host.Calls, c => c.ToString() == "nft -f -");
        Assert.Equal(NftablesRuleset.ReplaceScript(Gateway.Firewall), nft.Stdin);
        Assert.StartsWith("table inet mnigs\ndelete table inet mnigs\ntable inet mnigs {\n", nft.Stdin);
    }

    [Fact]
    public async Task An_unchanged_firewall_is_not_reloaded()
    {
        using var platform = _scenario.NewPlatform();
        await platform.ApplyAsync(Gateway, CancellationToken.None);
        _scenario.Host.Answer("nft list tables", "table inet mnigs\n").ForgetCalls();

        await platform.ApplyAsync(Gateway, CancellationToken.None);

        Assert.Empty(_scenario.Host.Changes);
    }

    [Fact]
    public async Task A_firewall_deleted_behind_our_back_is_loaded_again()
    {
        using var platform = _scenario.NewPlatform();
        await platform.ApplyAsync(Gateway, CancellationToken.None);
        _scenario.Host.ForgetCalls();

        await platform.ApplyAsync(Gateway, CancellationToken.None);

        Assert.Equal(["nft -f -"], _scenario.Host.Changes);
    }

    [Fact]
    public async Task No_longer_wanted_firewall_is_deleted()
    {
        _scenario.Host.Answer("nft list tables", "table inet mnigs\n");
        using var platform = _scenario.NewPlatform();

        await platform.ApplyAsync(HostState.Empty, CancellationToken.None);

        var nft = Assert.Single(_scenario.Host.Calls, c => c.ToString() == "nft -f -");
        Assert.Equal("table inet mnigs\ndelete table inet mnigs\n", nft.Stdin);
    }

    [Fact]
    public async Task A_gateway_without_nft_gets_a_plain_error()
    {
        _scenario.Host.Answer("nft list tables", CommandResult.Fail(CommandResult.NotFound, "nft: No such file or directory"));
        using var platform = _scenario.NewPlatform();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => platform.ApplyAsync(Gateway, CancellationToken.None));

        Assert.Contains("needs nftables, but nft is not installed", error.Message);
        Assert.Equal("1", _scenario.Sysctl("net/ipv4/ip_forward"));
    }
}
