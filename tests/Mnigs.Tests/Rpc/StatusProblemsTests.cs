using System.Net;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Rpc;

/// <summary>The problems of status: what the operator must fix, in plain sentences, and nothing when all is well.</summary>
public sealed class StatusProblemsTests
{
    private static async Task<string[]> ProblemsAsync(DaemonRig rig)
    {
        var status = await rig.CallAsync("status", null, IPAddress.Loopback);
        Assert.True(RpcWire.Success(status), status.ToJsonString());
        return [.. status["problems"]!.AsArray().Select(p => p!.GetValue<string>())];
    }

    [Fact]
    public async Task A_serving_gateway_has_no_problems()
    {
        await using var rig = await DaemonRig.StartAsync();

        Assert.Empty(await ProblemsAsync(rig));
    }

    [Fact]
    public async Task A_routing_daemon_that_is_not_running_is_a_problem_in_the_adapters_words()
    {
        await using var rig = await DaemonRig.StartAsync(babelAvailable: false);

        // The gateway does not serve for the same reason; that is not said twice.
        Assert.Equal(["babel is not running"], await ProblemsAsync(rig));

        rig.Babel.Available = true;
        await rig.Networks.RefreshAsync(CancellationToken.None);
        Assert.Empty(await ProblemsAsync(rig));
    }

    [Fact]
    public async Task A_host_without_any_WireGuard_is_a_problem()
    {
        await using var rig = await DaemonRig.StartAsync(facts: DaemonRig.GatewayFacts with { KernelWireGuard = false, WireGuardGo = null });

        Assert.Equal(["no WireGuard: the kernel has no wireguard module and wireguard-go is not installed"], await ProblemsAsync(rig));
    }

    [Fact]
    public async Task An_enabled_gateway_without_an_uplink_says_why_it_does_not_serve()
    {
        await using var rig = await DaemonRig.StartAsync(facts: DaemonRig.GatewayFacts with { DefaultRouteInterface = null });

        Assert.Equal(["The gateway is enabled but not serving: no uplink: set [gateway] uplink or give this host a default route"],
            await ProblemsAsync(rig));
    }

    [Fact]
    public async Task No_reachable_gateway_while_autoconnect_is_on_is_a_problem()
    {
        await using var rig = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false, Autoconnect = true });
        Assert.Empty(await ProblemsAsync(rig));

        await rig.Autopilot.StepAsync(CancellationToken.None);

        Assert.Equal(["No gateway is reachable: no gateway is known yet"], await ProblemsAsync(rig));
    }

    [Fact]
    public async Task Without_autoconnect_no_gateway_is_no_problem()
    {
        await using var rig = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false, Autoconnect = false });

        await rig.Autopilot.StepAsync(CancellationToken.None);

        Assert.Empty(await ProblemsAsync(rig));
    }
}
