using System.Text;
using System.Text.Json.Nodes;

namespace Mnigs.Cli;

/// <summary>How each admin answer is shown to a person.</summary>
public static class Output
{
    public static string Status(JsonObject r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Node      {S(r, "name")} ({S(r, "id")}), Mnigs {S(r, "version")}, port {S(r, "rpcPort")}");
        foreach (var n in Arr(r, "networks"))
            sb.AppendLine($"Network   {S(n, "name")}: {(B(n, "available") ? "up" : "DOWN")} — {S(n, "message")}"
                + (Arr(n, "addresses").Any() ? $" ({string.Join(", ", Arr(n, "addresses").Select(a => a.ToString()))})" : ""));
        foreach (var t in Arr(r, "tunnels"))
            sb.AppendLine($"Tunnel    {S(t, "name")}: {(B(t, "available") ? "ok" : "UNAVAILABLE")} — {S(t, "message")}");
        if (r["gateway"] is JsonObject g)
        {
            if (B(g, "serving"))
                sb.AppendLine($"Gateway   serving {string.Join(", ", Arr(g, "suites").Select(x => x.ToString()))} via uplink {S(g, "uplink")}; {S(g, "sessions")}/{S(g, "maxConnections")} sessions");
            else
                sb.AppendLine($"Gateway   not serving: {S(g, "reason")}");
        }
        if (r["subscriber"] is JsonObject sub)
        {
            if (sub["connection"] is JsonObject c)
            {
                sb.AppendLine($"Connected to {S(c, "gatewayName")} ({S(c, "gateway")}) with {S(c, "suite")} on {S(c, "interface")}: {S(c, "ipv4")} {S(c, "ipv6")}, lease {S(c, "leaseSecondsLeft")} s left");
                if (c["payment"] is JsonObject p && B(p, "required"))
                    sb.AppendLine($"Payment   required: {(p["reason"] is JsonValue ? S(p, "reason") + "; " : "")}pay at {S(p, "page")} or run mnigs-cli pay CODE");
            }
            else
                sb.AppendLine("Not connected" + (sub["lastError"] is JsonValue e ? $" (last error: {e})" : ""));
            if (sub["autopilot"] is JsonObject a)
                sb.Append(Autopilot(a));
        }
        if (r["scan"] is JsonObject scan)
            sb.AppendLine($"Scanning  {S(scan, "done")}/{S(scan, "total")}");
        return sb.ToString().TrimEnd();
    }

    /// <summary>The autopilot's lines of status: online or not and why, the standby, every gateway's standing.</summary>
    private static string Autopilot(JsonObject a)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Online    {(B(a, "online") ? "yes" : "no")} — {S(a, "state")}" + (B(a, "engaged") ? "" : " (autopilot off: autoconnect = no, or disconnected)"));
        if (a["reason"] is JsonValue)
            sb.AppendLine($"Autopilot {S(a, "decision")}: {S(a, "reason")}");
        if (a["standby"] is JsonValue)
            sb.AppendLine($"Standby   tunnel to {S(a, "standby")}");
        if (a["lastFailover"] is JsonObject f)
            sb.AppendLine($"Failovers {S(a, "failovers")}; last {S(f, "from")} -> {S(f, "to")} ({S(f, "reason")}) in {S(f, "tookMs")} ms");
        var table = new Table("GATEWAY", "ADDRESS", "STANDING", "SCORE", "MESH RTT", "MESH LOSS", "TUNNEL", "TUNNEL RTT", "TUNNEL LOSS");
        foreach (var g in Arr(a, "gateways"))
        {
            var mesh = g["mesh"] as JsonObject;
            var through = g["through"] as JsonObject;
            table.Add(S(g, "name"), S(g, "address"), S(g, "standing") + (B(g, "preferred") ? " (preferred)" : ""), S(g, "score"),
                Ms(mesh, "rttMs"), Pct(mesh, "loss"), S(g, "tunnel"), Ms(through, "rttMs"), Pct(through, "loss"));
        }
        if (table.Count > 0)
            sb.AppendLine(table.ToString());
        return sb.ToString();
    }

    /// <summary>The networks a gateway was found on, each once, in the order its addresses came.</summary>
    private static string Networks(JsonNode g) =>
        string.Join(",", Arr(g, "addresses").Select(a => S(a, "network")).Where(n => n != "-").Distinct());

    private static string Ms(JsonObject? o, string key) =>
        o?[key] is JsonValue v && v.TryGetValue<double>(out var ms) ? $"{ms:0.##} ms" : "-";

    private static string Pct(JsonObject? o, string key) =>
        o?[key] is JsonValue v && v.TryGetValue<double>(out var ratio) ? $"{ratio * 100:0.#} %" : "-";

    public static string Gateways(JsonObject r)
    {
        var table = new Table("NAME", "ADDRESS", "PORT", "NETWORKS", "SUITES", "SOURCE", "LAST SEEN");
        foreach (var g in Arr(r, "gateways"))
            table.Add(S(g, "name"), S(g, "address"), S(g, "port"), Networks(g), string.Join(",", Arr(g, "suites").Select(x => x.ToString())),
                S(g, "source"), When(g, "lastSeen"));
        return table.Count == 0 ? "No gateways known yet; run a scan (-s)" : table.ToString();
    }

    public static string Scan(JsonObject r)
    {
        var head = $"Scan {S(r, "scanId")}: probed {S(r, "probed")}, found {S(r, "nodes")} nodes and {Arr(r, "gateways").Count()} gateways";
        return Arr(r, "gateways").Any() ? head + Environment.NewLine + Gateways(new JsonObject { ["gateways"] = r["gateways"]!.DeepClone() }) : head;
    }

    public static string Connected(JsonObject r)
    {
        if (r["connection"] is not JsonObject c)
            return "Connected";
        return $"Connected to {S(c, "gatewayName")} ({S(c, "gateway")}) with {S(c, "suite")}: interface {S(c, "interface")}, "
            + $"address {S(c, "ipv4")} {S(c, "ipv6")}, MTU {S(c, "mtu")}, lease {S(c, "leaseSecondsLeft")} s";
    }

    public static string Sessions(JsonObject r)
    {
        var table = new Table("SID", "MESH ADDRESS", "NAME", "SUITE", "IPV4", "IPV6", "PAYMENT", "EXPIRES IN");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var s in Arr(r, "sessions"))
        {
            var expires = s["expiresAt"] is JsonValue v && v.TryGetValue<long>(out var t) ? $"{t - now} s" : "-";
            table.Add(S(s, "sid"), S(s, "meshAddress"), S(s, "name"), S(s, "suite"), S(s, "ipv4"), S(s, "ipv6"), S(s, "payment"), expires);
        }
        return table.Count == 0 ? "No sessions" : table.ToString();
    }

    private static string When(JsonNode n, string key) =>
        n[key] is JsonValue v && v.TryGetValue<long>(out var t) ? DateTimeOffset.FromUnixTimeSeconds(t).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss") : "-";

    private static string S(JsonNode n, string key) => n[key] switch
    {
        null => "-",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        var other => other.ToJsonString(),
    };

    private static bool B(JsonNode n, string key) => n[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static IEnumerable<JsonNode> Arr(JsonNode n, string key) => (n[key] as JsonArray ?? []).OfType<JsonNode>();
}
