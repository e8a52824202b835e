using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Mnigs.Cli;

/// <summary>How `mnigs-cli test` shows the testGateways answer: one row per gateway, then one line per error.</summary>
public static class GatewayTestTable
{
    public static string Render(JsonObject r)
    {
        var gateways = (r["gateways"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (gateways.Count == 0)
            return "No gateways known yet; run a scan (-s)";
        var table = new Table("NAME", "ADDRESS", "REACH", "MESH RTT", "MESH LOSS", "TUNNEL UP", "TUNNEL RTT", "TUNNEL LOSS", "MBIT/S");
        foreach (var g in gateways)
        {
            var mesh = g["mesh"] as JsonObject;
            var tunnel = g["tunnel"] as JsonObject;
            table.Add(Text(g, "name"), Text(g, "address"), Bool(g, "reachable") ? "yes" : "no",
                Ms(mesh, "rttMs"), Percent(mesh, "loss"),
                Ms(tunnel, "upMs"), Ms(tunnel, "rttMs"), Percent(tunnel, "loss"),
                Number(tunnel, "throughputMbps") is { } mbps ? mbps.ToString("0.0", CultureInfo.InvariantCulture) : "-");
        }
        var sb = new StringBuilder(table.ToString());
        foreach (var g in gateways)
            if (g["error"] is JsonValue e && e.TryGetValue<string>(out var error))
                sb.AppendLine().Append($"ERROR {Text(g, "name")} ({Text(g, "address")}): {error}");
        return sb.ToString();
    }

    private static string Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : "-";

    private static bool Bool(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static double? Number(JsonObject? o, string key) =>
        o?[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static string Ms(JsonObject? o, string key) =>
        Number(o, key) is { } ms ? ms.ToString(ms < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms" : "-";

    private static string Percent(JsonObject? o, string key) =>
        Number(o, key) is { } ratio ? (ratio * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "-";
}
