using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Rpc;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Rpc;

/// <summary>settings, configure and setPreferred as the web UI's settings and gateways pages call them.</summary>
public sealed class SettingsMethodsTests : IAsyncLifetime
{
    private const string OperatorsFile = """
        # Rooftop node, edited by hand: keep these comments.
        [main]
        name = roof   # as the neighbours know it

        [gateway]
        enabled = true
        # maxConnections = 32

        [subscriber]
        ; leave the choice to the autopilot
        preferredGateway =
        """;

    private static readonly string[] ContractKeys =
    [
        "main.name", "gateway.enabled", "gateway.maxConnections", "wireguard.ipv4Subnet", "wireguard.ipv6Subnet",
        "subscriber.autoconnect", "subscriber.preferredGateway", "subscriber.maxPrice", "subscriber.standby",
    ];

    private DaemonRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await DaemonRig.StartAsync();
        await File.WriteAllTextAsync(_rig.ConfigPath, OperatorsFile);
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private Task<JsonObject> Call(string method, JsonNode? parameters = null) => _rig.CallAsync(method, parameters, IPAddress.Loopback);

    private async Task<Dictionary<string, JsonObject>> SettingsAsync()
    {
        var result = await Call("settings");
        Assert.True(RpcWire.Success(result), result.ToJsonString());
        return result["keys"]!.AsArray().Select(k => k!.AsObject()).ToDictionary(k => k["name"]!.GetValue<string>());
    }

    private static string Value(Dictionary<string, JsonObject> settings, string name) => settings[name]["value"]!.GetValue<string>();

    private string[] Preferred => [.. _rig.Autopilot.Describe()["preferred"]!.AsArray().Select(p => p!.GetValue<string>())];

    [Fact]
    public async Task Settings_lists_exactly_the_contract_keys_in_order_with_their_current_values()
    {
        var result = await Call("settings");

        Assert.Equal(_rig.ConfigPath, result["path"]!.GetValue<string>());
        var keys = result["keys"]!.AsArray().Select(k => k!.AsObject()).ToList();
        Assert.Equal(ContractKeys, keys.Select(k => k["name"]!.GetValue<string>()));
        var settings = keys.ToDictionary(k => k["name"]!.GetValue<string>());
        // From the file where it sets the key (yes/no keys spelled yes or no), else as the daemon runs.
        Assert.Equal("roof", Value(settings, "main.name"));
        Assert.Equal("yes", Value(settings, "gateway.enabled"));
        Assert.Equal("4", Value(settings, "gateway.maxConnections"));
        Assert.Equal("10.201.0.0/24", Value(settings, "wireguard.ipv4Subnet"));
        Assert.Equal("fd6d:6e69:6773::/64", Value(settings, "wireguard.ipv6Subnet"));
        Assert.Equal("no", Value(settings, "subscriber.autoconnect"));
        Assert.Equal("", Value(settings, "subscriber.preferredGateway"));
        Assert.Equal("0", Value(settings, "subscriber.maxPrice"));
        Assert.Equal("no", Value(settings, "subscriber.standby"));
        foreach (var key in keys)
        {
            Assert.False(string.IsNullOrEmpty(key["description"]!.GetValue<string>()));
            Assert.False(string.IsNullOrEmpty(key["expected"]!.GetValue<string>()));
            Assert.NotNull(key["default"]);
            Assert.Equal(key["name"]!.GetValue<string>() == "subscriber.preferredGateway" ? "now" : "restart", key["applied"]!.GetValue<string>());
        }
        Assert.Equal("32", settings["gateway.maxConnections"]["default"]!.GetValue<string>());
        Assert.Equal("a whole number from 1 to 65535", settings["gateway.maxConnections"]["expected"]!.GetValue<string>());
        Assert.Equal("Most subscribers served at the same time.", settings["gateway.maxConnections"]["description"]!.GetValue<string>());
        Assert.Equal("checkbox", settings["subscriber.standby"]["input"]!.GetValue<string>());
        Assert.Equal("number", settings["gateway.maxConnections"]["input"]!.GetValue<string>());
        Assert.Equal("text", settings["main.name"]["input"]!.GetValue<string>());
    }

    [Fact]
    public async Task Values_saved_through_configure_are_in_the_file_with_its_comments_and_in_the_next_settings()
    {
        var saved = await Call("configure", new JsonObject
        {
            ["set"] = new JsonArray("main.name=roof-2", "gateway.enabled=no", "gateway.maxConnections=10", "wireguard.ipv6Subnet=",
                "subscriber.maxPrice=0.25", "subscriber.standby=yes"),
        });

        Assert.True(RpcWire.Success(saved), saved.ToJsonString());
        Assert.True(saved["restartNeeded"]!.GetValue<bool>());
        Assert.Equal(_rig.ConfigPath, saved["saved"]!.GetValue<string>());
        var file = await File.ReadAllTextAsync(_rig.ConfigPath);
        Assert.Contains("# Rooftop node, edited by hand: keep these comments.", file);
        Assert.Contains("name = roof-2   # as the neighbours know it", file);
        Assert.Contains("# maxConnections = 32\nmaxConnections = 10\n", file);
        Assert.Contains("; leave the choice to the autopilot", file);
        var settings = await SettingsAsync();
        Assert.Equal("roof-2", Value(settings, "main.name"));
        Assert.Equal("no", Value(settings, "gateway.enabled"));
        Assert.Equal("10", Value(settings, "gateway.maxConnections"));
        Assert.Equal("", Value(settings, "wireguard.ipv6Subnet"));
        Assert.Equal("0.25", Value(settings, "subscriber.maxPrice"));
        Assert.Equal("yes", Value(settings, "subscriber.standby"));
    }

    [Fact]
    public async Task A_bad_value_is_refused_with_what_is_expected_and_nothing_is_saved()
    {
        var refused = await Call("configure", new JsonObject { ["set"] = new JsonArray("main.name=roof-3", "gateway.maxConnections=0") });

        Assert.Equal("gateway.maxConnections must be a whole number from 1 to 65535, not \"0\"", RpcWire.ErrorMsg(refused));
        Assert.Equal(OperatorsFile, await File.ReadAllTextAsync(_rig.ConfigPath));
    }

    [Fact]
    public async Task A_preferred_gateway_saved_through_configure_applies_at_once_and_needs_no_restart()
    {
        var saved = await Call("configure", new JsonObject { ["set"] = new JsonArray("subscriber.preferredGateway=attic, fd00::9") });

        Assert.True(RpcWire.Success(saved), saved.ToJsonString());
        Assert.False(saved["restartNeeded"]!.GetValue<bool>());
        Assert.Equal(["attic", "fd00::9"], Preferred);
        Assert.Equal("attic, fd00::9", Value(await SettingsAsync(), "subscriber.preferredGateway"));
    }

    [Fact]
    public async Task SetPreferred_saves_the_file_and_changes_the_running_autopilot_at_once()
    {
        var set = await Call("setPreferred", new JsonObject { ["gateway"] = "attic" });

        Assert.True(RpcWire.Success(set), set.ToJsonString());
        Assert.Equal(["attic"], set["preferred"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(["attic"], Preferred);
        Assert.Equal(["attic"], _rig.Autopilot.PreferredGateways);
        var file = await File.ReadAllTextAsync(_rig.ConfigPath);
        Assert.Contains("; leave the choice to the autopilot\npreferredGateway = attic", file);
        Assert.Equal("attic", Value(await SettingsAsync(), "subscriber.preferredGateway"));

        var cleared = await Call("setPreferred", new JsonObject { ["gateway"] = "" });

        Assert.True(RpcWire.Success(cleared), cleared.ToJsonString());
        Assert.Empty(Preferred);
        file = await File.ReadAllTextAsync(_rig.ConfigPath);
        Assert.DoesNotContain("attic", file);
        Assert.Contains("; leave the choice to the autopilot\npreferredGateway =", file);
    }

    [Fact]
    public async Task SetPreferred_replaces_the_gateway_an_operator_connected_to_by_address()
    {
        await _rig.Autopilot.ConnectAsync(IPAddress.Parse("fd00::9"), 65533, null, CancellationToken.None);
        Assert.Equal(["fd00::9"], Preferred);

        await Call("setPreferred", new JsonObject { ["gateway"] = "attic" });

        Assert.Equal(["attic"], Preferred);
    }

    [Theory]
    [InlineData("attic,,roof", "an item of the list is empty")]
    [InlineData("attic\nroof", "subscriber.preferredGateway must be")]
    public async Task SetPreferred_refuses_what_is_no_list_of_gateways_and_changes_nothing(string value, string message)
    {
        var refused = await Call("setPreferred", new JsonObject { ["gateway"] = value });

        Assert.Contains(message, RpcWire.ErrorMsg(refused));
        Assert.Empty(Preferred);
        Assert.Equal(OperatorsFile, await File.ReadAllTextAsync(_rig.ConfigPath));
    }

    [Fact]
    public async Task Settings_and_setPreferred_are_admin_methods()
    {
        var settings = await _rig.CallAsync("settings", null, IPAddress.Parse("fd00::66"));
        var set = await _rig.CallAsync("setPreferred", new JsonObject { ["gateway"] = "evil" }, IPAddress.Parse("fd00::66"));

        Assert.Equal(RpcDispatcher.PermissionDenied, RpcWire.ErrorMsg(settings));
        Assert.Equal(RpcDispatcher.PermissionDenied, RpcWire.ErrorMsg(set));
        Assert.Empty(Preferred);
    }
}
