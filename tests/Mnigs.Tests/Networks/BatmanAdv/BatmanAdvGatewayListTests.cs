using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Suites;
using Mnigs.Discovery;
using Mnigs.Networks;
using Mnigs.Networks.BatmanAdv;
using Mnigs.Store;
using static Mnigs.Tests.Networks.BatmanAdv.BatmanAdvFixtures;

namespace Mnigs.Tests.Networks.BatmanAdv;

/// <summary>A batman-adv gateway that runs Mnigs appears once in <c>-l</c>, found by the scan and announced by batman-adv.</summary>
public class BatmanAdvGatewayListTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_batman_adv_gateway_that_runs_Mnigs_appears_once_with_both_sources()
    {
        // Wired as KnownGateways wires it: hints from the adapter, networks from the monitor's last refresh.
        var adapter = new BatmanAdvAdapter(Options(), Mesh(), NullLogger<BatmanAdvAdapter>.Instance);
        var networks = new NetworkMonitor([adapter], NullLogger<NetworkMonitor>.Instance);
        await networks.RefreshAsync(CancellationToken.None);
        var hints = (await adapter.ExitHintsAsync(CancellationToken.None)).Select(h => (adapter.Name, h)).ToList();
        var scannedD = new GatewayRecord
        {
            NodeId = "node-d",
            Name = "gw-d",
            Address = IPAddress.Parse("10.99.0.4"),
            Port = 65533,
            Suites = [new Suite("batman-adv", "wireguard", "free")],
            Source = GatewaySource.Scan,
            LearnedAt = Now.AddMinutes(-1),
            LastSeen = Now.AddSeconds(-10),
        };

        var list = GatewayList.Build("self", [], _ => null, [scannedD], hints, Now, TimeSpan.FromMinutes(20),
            a => networks.NetworksOf(a).FirstOrDefault());

        // E's gateway has no known IP address: there is nothing to list it by.
        var d = Assert.Single(list);
        Assert.Equal("gw-d", d.Name);
        Assert.Equal(["hint", "scan"], d.Sources);
        Assert.Equal([("batman-adv", "10.99.0.4")], d.Addresses);
        Assert.True(d.Managed);
        Assert.Equal("hint+scan", GatewayList.Describe(d)["source"]!.GetValue<string>());
    }
}
