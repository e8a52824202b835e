using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;
using Mnigs.Discovery;
using Mnigs.Store;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Rpc;

/// <summary>The offers of listGateways: each suite a gateway serves with its price per hour, as the gateways page shows them.</summary>
public sealed class GatewayOffersTests : IDisposable
{
    private readonly ScratchDirectory _dir = new("priced-gateway");
    private readonly NodeKey _key;

    public GatewayOffersTests() => _key = NodeKey.LoadOrCreate(_dir.File("node.key"));

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_directory_gateway_lists_its_suites_with_their_prices_as_numbers()
    {
        await using var rig = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false });
        var now = rig.Clock.GetUtcNow();
        var record = DirectoryRecord.Sign(new NodeKeyRecords(_key), "attic", [new GatewayAddress("babel", "fd00::9")], 65533,
            [SuiteOffer.Free("babel-wireguard-free"), SuiteOffer.At("babel-wireguard-coin", 0.25m)], 1, 8, 1, now, now.AddMinutes(10), false);
        var offered = await rig.CallAsync("directorySync", new JsonObject
        {
            ["message"] = new JsonObject { ["records"] = new JsonArray(record.ToJson()), ["want"] = new JsonArray() },
        }, IPAddress.Parse("fd00::9"));
        Assert.True(RpcWire.Success(offered), offered.ToJsonString());

        var list = await rig.CallAsync("listGateways", null, IPAddress.Loopback);

        var gateway = Assert.Single(list["gateways"]!.AsArray())!;
        Assert.True(JsonNode.DeepEquals(new JsonArray(
            new JsonObject { ["id"] = "babel-wireguard-free", ["pricePerHour"] = 0 },
            new JsonObject { ["id"] = "babel-wireguard-coin", ["pricePerHour"] = 0.25 }), gateway["offers"]), gateway.ToJsonString());
        Assert.Contains("\"pricePerHour\":0.25", gateway["offers"]!.ToJsonString());
    }

    [Fact]
    public async Task A_scanned_gateway_offers_its_free_suites_at_zero()
    {
        var entry = new GatewayList.Entry { Id = "gw", Name = "roof", Offers = [SuiteOffer.Free("babel-wireguard-free")] };

        var described = GatewayList.Describe(entry);

        Assert.Equal("""[{"id":"babel-wireguard-free","pricePerHour":0}]""", described["offers"]!.ToJsonString());
    }
}
