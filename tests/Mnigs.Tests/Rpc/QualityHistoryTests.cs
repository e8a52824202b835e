using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Protocol;
using Mnigs.Store;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Rpc;

/// <summary>qualityHistory, which the web UI charts: the recorded samples of the last minutes, per gateway.</summary>
public sealed class QualityHistoryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DaemonRig.T0;

    private DaemonRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false });
        await _rig.Store.AddQualitySamplesAsync(
        [
            new QualitySample("gw-a", QualityPath.Mesh, Now.AddMinutes(-20), 31.5, 0, 5),
            new QualitySample("gw-a", QualityPath.Mesh, Now.AddMinutes(-5), 12.25, 0.2, 5),
            new QualitySample("gw-a", QualityPath.Tunnel, Now.AddMinutes(-5), 14.123456, 0, 25),
            new QualitySample("gw-a", QualityPath.Tunnel, Now.AddSeconds(-5), null, 1, 25),
            new QualitySample("gw-b", QualityPath.Mesh, Now.AddMinutes(-1), 40, 0, 5),
        ]);
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private Task<JsonObject> Call(JsonObject? parameters) => _rig.CallAsync("qualityHistory", parameters, IPAddress.Loopback);

    [Fact]
    public async Task Every_gateways_samples_of_the_last_ten_minutes_oldest_first()
    {
        var result = await Call(null);

        Assert.True(RpcWire.Success(result), result.ToJsonString());
        var samples = result["samples"]!.AsObject();
        Assert.Equal(["gw-a", "gw-b"], samples.Select(kv => kv.Key).Order());
        var a = samples["gw-a"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.Equal(3, a.Count);
        Assert.True(JsonNode.DeepEquals(new JsonObject
        {
            ["at"] = Now.AddMinutes(-5).ToUnixTimeMilliseconds(),
            ["path"] = "mesh",
            ["rttMs"] = 12.25,
            ["loss"] = 0.2,
            ["probes"] = 5,
        }, a[0]), a[0].ToJsonString());
        Assert.Equal("tunnel", a[1]["path"]!.GetValue<string>());
        Assert.Equal(14.12, a[1]["rttMs"]!.GetValue<double>());
        Assert.Null(a[2]["rttMs"]);
        Assert.Equal(1, a[2]["loss"]!.GetValue<double>());
        Assert.Equal(Now.AddSeconds(-5).ToUnixTimeMilliseconds(), a[2]["at"]!.GetValue<long>());
        Assert.Single(samples["gw-b"]!.AsArray());
    }

    [Fact]
    public async Task One_gateway_over_a_longer_span()
    {
        var result = await Call(new JsonObject { ["gateway"] = "gw-a", ["minutes"] = 30 });

        var samples = result["samples"]!.AsObject();
        Assert.Equal(["gw-a"], samples.Select(kv => kv.Key));
        Assert.Equal(4, samples["gw-a"]!.AsArray().Count);
        Assert.Equal(31.5, samples["gw-a"]![0]!["rttMs"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_gateway_without_samples_has_an_empty_list()
    {
        var result = await Call(new JsonObject { ["gateway"] = "gw-unknown" });

        Assert.Empty(result["samples"]!["gw-unknown"]!.AsArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1441)]
    public async Task Minutes_outside_1_to_1440_are_invalid_params(int minutes)
    {
        var body = await _rig.Dispatcher.HandleAsync(RpcWire.Request("qualityHistory", new JsonObject { ["minutes"] = minutes }),
            IPAddress.Loopback, DaemonRig.GatewayMesh, CancellationToken.None);

        Assert.Equal(JsonRpcError.InvalidParams("x").Code, RpcWire.Error(body).Code);
    }
}
