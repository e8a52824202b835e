using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>A link as <c>ip -j addr show</c> reports it; only addresses that are not link- or host-scoped.</summary>
internal sealed record LinkInfo(string Name, int Mtu, bool Up, ImmutableArray<InterfaceAddress> Addresses);

/// <summary>A route of one table as <c>ip -j route show table T</c> reports it.</summary>
internal sealed record TableRoute(IPNetwork Destination, string Type, string? Device, IPAddress? Via, int? Metric, IPAddress? Source = null)
{
    public bool Is(RouteSpec spec) =>
        Type == "unicast" && Destination.Equals(spec.Destination) && Device == spec.Device && Equals(Via, spec.Via) && Equals(Source, spec.Source);
}

/// <summary>A policy rule as <c>ip -N -j rule show</c> reports it (tables by number).</summary>
internal sealed record PolicyRule(int Priority, string? Table, int? SuppressPrefixLength, bool HasSelectors);

/// <summary>
/// Reads the JSON of iproute2 (<c>ip -j</c>, iproute2 5.x/6.x; fields as printed by ip/ipaddress.c,
/// ip/iproute.c and ip/iprule.c). Unknown fields are ignored.
/// </summary>
internal static class IpJson
{
    public static ImmutableArray<LinkInfo> Links(string json)
    {
        var links = ImmutableArray.CreateBuilder<LinkInfo>();
        using var document = Parse(json);
        foreach (var link in document.RootElement.EnumerateArray())
        {
            if (String(link, "ifname") is not { } name)
                continue;
            var up = link.TryGetProperty("flags", out var flags) && flags.ValueKind == JsonValueKind.Array
                && flags.EnumerateArray().Any(f => f.ValueKind == JsonValueKind.String && f.GetString() == "UP");
            var addresses = ImmutableArray.CreateBuilder<InterfaceAddress>();
            if (link.TryGetProperty("addr_info", out var info) && info.ValueKind == JsonValueKind.Array)
            {
                foreach (var address in info.EnumerateArray())
                {
                    if (String(address, "scope") is "link" or "host")
                        continue;
                    if (String(address, "local") is { } local && IPAddress.TryParse(local, out var ip)
                        && Int(address, "prefixlen") is { } length)
                        addresses.Add(new InterfaceAddress(ip, length));
                }
            }
            links.Add(new LinkInfo(name, Int(link, "mtu") ?? 0, up, addresses.ToImmutable()));
        }
        return links.ToImmutable();
    }

    public static ImmutableArray<TableRoute> Routes(string json, AddressFamily family)
    {
        var routes = ImmutableArray.CreateBuilder<TableRoute>();
        using var document = Parse(json);
        foreach (var route in document.RootElement.EnumerateArray())
        {
            if (String(route, "dst") is not { } dst || Destination(dst, family) is not { } destination)
                continue;
            var via = String(route, "gateway") is { } g && IPAddress.TryParse(g, out var gateway) ? gateway : null;
            var source = String(route, "prefsrc") is { } p && IPAddress.TryParse(p, out var prefsrc) ? prefsrc : null;
            routes.Add(new TableRoute(destination, String(route, "type") ?? "unicast", String(route, "dev"), via, Int(route, "metric"), source));
        }
        return routes.ToImmutable();
    }

    public static ImmutableArray<PolicyRule> Rules(string json)
    {
        string[] plain = ["priority", "src", "table", "suppress_prefixlen", "flags", "protocol"];
        var rules = ImmutableArray.CreateBuilder<PolicyRule>();
        using var document = Parse(json);
        foreach (var rule in document.RootElement.EnumerateArray())
        {
            if (Int(rule, "priority") is not { } priority)
                continue;
            var selectors = rule.EnumerateObject().Any(p => !plain.Contains(p.Name))
                || String(rule, "src") is { } src && src != "all";
            rules.Add(new PolicyRule(priority, String(rule, "table"), Int(rule, "suppress_prefixlen"), selectors));
        }
        return rules.ToImmutable();
    }

    /// <summary>Output interface of the first route in <c>ip -j route show default</c>.</summary>
    public static string? FirstDevice(string json)
    {
        using var document = Parse(json);
        return document.RootElement.EnumerateArray().Select(r => String(r, "dev")).FirstOrDefault(d => d is not null);
    }

    /// <summary>Device and route MTU (from its metrics) of the first route in <c>ip -j route get</c>.</summary>
    public static (string? Device, int? Mtu) RouteGet(string json)
    {
        using var document = Parse(json);
        foreach (var route in document.RootElement.EnumerateArray())
        {
            int? mtu = null;
            if (route.TryGetProperty("metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Array)
                mtu = metrics.EnumerateArray().Select(m => Int(m, "mtu")).FirstOrDefault(m => m is not null);
            return (String(route, "dev"), mtu);
        }
        return (null, null);
    }

    /// <summary>Device and next hop (<c>gateway</c>, or <c>via</c> of another family) of the first route in <c>ip -j route get</c>.</summary>
    public static RouteHop? Hop(string json)
    {
        using var document = Parse(json);
        foreach (var route in document.RootElement.EnumerateArray())
        {
            if (String(route, "dev") is not { } device)
                return null;
            var via = String(route, "gateway")
                ?? (route.TryGetProperty("via", out var other) && other.ValueKind == JsonValueKind.Object ? String(other, "host") : null);
            if (via is null)
                return new RouteHop(device, null);
            return IPAddress.TryParse(via, out var hop) ? new RouteHop(device, hop) : null;
        }
        return null;
    }

    private static JsonDocument Parse(string json) =>
        JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);

    private static IPNetwork? Destination(string dst, AddressFamily family)
    {
        if (dst == "default")
            return new IPNetwork(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        var slash = dst.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? dst : dst[..slash], out var address))
            return null;
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0)
            return new IPNetwork(address, max);
        return int.TryParse(dst[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length <= max
            ? new IPNetwork(address, length)
            : null;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : null;
}
