using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;

namespace Mnigs.Rpc;

/// <summary>
/// The keys the web UI's settings page edits, in the order it shows them, with what it needs to show
/// each: the current value as text, the default, the description and what a valid value looks like.
/// </summary>
public static class SettingsView
{
    public const string PreferredGateway = "subscriber.preferredGateway";

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        .. new[]
        {
            "main.name", "gateway.enabled", "gateway.maxConnections", "wireguard.ipv4Subnet", "wireguard.ipv6Subnet",
            "subscriber.autoconnect", PreferredGateway, "subscriber.maxPrice", "subscriber.standby",
        }.Select(name => ConfigSchema.Find(name[..name.IndexOf('.')], name[(name.IndexOf('.') + 1)..])!),
    ];

    /// <summary>Whether a saved change of <paramref name="key"/> applies at once (configure and setPreferred do it) rather than at the next start.</summary>
    public static bool AppliesAtOnce(ConfigKey key) => key.Name == PreferredGateway;

    /// <summary>
    /// The settings result: each key's value as the config file sets it (what the next start uses), else
    /// as the daemon runs with it; yes/no keys always as yes or no.
    /// </summary>
    public static JsonObject Describe(string? path, string fileText, MnigsConfig running, IReadOnlyList<string> preferred)
    {
        var file = IniDocument.Parse(fileText);
        var keys = new JsonArray();
        foreach (var key in Keys)
        {
            var value = file.Get(key.Section, key.Key) ?? Running(key, running, preferred);
            keys.Add((JsonNode)new JsonObject
            {
                ["name"] = key.Name,
                ["value"] = InputOf(key) == "checkbox" ? YesNo(value) : value,
                ["default"] = key.Default,
                ["description"] = key.Description,
                ["expected"] = key.Expected,
                ["applied"] = AppliesAtOnce(key) ? "now" : "restart",
                ["input"] = InputOf(key),
            });
        }
        return new JsonObject { ["path"] = path, ["keys"] = keys };
    }

    /// <summary>The HTML input that edits the key: checkbox, number or text.</summary>
    public static string InputOf(ConfigKey key) => key.Name switch
    {
        "gateway.enabled" or "subscriber.autoconnect" or "subscriber.standby" => "checkbox",
        "gateway.maxConnections" => "number",
        _ => "text",
    };

    private static string Running(ConfigKey key, MnigsConfig c, IReadOnlyList<string> preferred) => key.Name switch
    {
        "main.name" => c.Name,
        "gateway.enabled" => YesNo(c.GatewayEnabled),
        "gateway.maxConnections" => c.MaxConnections.ToString(CultureInfo.InvariantCulture),
        "wireguard.ipv4Subnet" => c.WireGuardIpv4Subnet.ToString(),
        "wireguard.ipv6Subnet" => c.WireGuardIpv6Subnet?.ToString() ?? "",
        "subscriber.autoconnect" => YesNo(c.Autoconnect),
        PreferredGateway => string.Join(", ", preferred),
        "subscriber.maxPrice" => ((decimal)c.MaxPriceMicros / 1_000_000).ToString(CultureInfo.InvariantCulture),
        "subscriber.standby" => YesNo(c.Standby),
        _ => key.Default,
    };

    private static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>A yes/no value as written in the file, spelled yes or no (left alone when it is neither).</summary>
    private static string YesNo(string value) => value.ToLowerInvariant() switch
    {
        "yes" or "true" or "on" or "1" => "yes",
        "no" or "false" or "off" or "0" => "no",
        _ => value,
    };

    /// <summary>The gateways a valid subscriber.preferredGateway value names, as the daemon reads them at start.</summary>
    public static ImmutableArray<string> PreferredGateways(string value) =>
        ConfigLoader.Load($"[subscriber]\npreferredGateway = {value}\n").Config?.PreferredGateways
        ?? throw new ArgumentException($"{PreferredGateway} = \"{value}\" was not validated", nameof(value));
}
