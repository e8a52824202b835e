using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// Mnigs' kernel tunnel links (<see cref="KernelTunnelLink"/>): ipip, gre, ip6tnl and ip6gre through iproute2
/// (<c>ip link add NAME type KIND local A remote B</c>, ip-link(8)), read back with <c>ip -j -d addr show dev NAME</c>,
/// whose <c>linkinfo.info_data</c> carries <c>local</c>/<c>remote</c> ("any" when unset, iproute2's tnl_print_endpoint)
/// and whose <c>addr_info</c> names a point-to-point peer as <c>address</c>. A link whose kind or endpoints changed is
/// made anew (the kernel cannot move an ipip link's endpoints in place for every kind); addresses and MTU converge in place.
/// Unwanted links go with the WireGuard ones (<see cref="WireGuardLinks.DeleteUnwantedAsync"/> deletes any Mnigs-named link).
/// </summary>
internal sealed class KernelTunnelLinks(HostCommands commands, PlatformOptions options, ILogger log)
{
    private const string LooseReversePathFilter = "2";

    private readonly Sysctl _sysctl = new(options, log);

    private ImmutableArray<string>? _kinds;

    /// <summary>
    /// The kinds of <see cref="KernelTunnelLink.Kinds"/> this kernel can create, probed once each with a throwaway link
    /// (the kernel loads the module on demand, so a module that is merely not loaded yet counts as present).
    /// </summary>
    public async Task<ImmutableArray<string>> SupportedKindsAsync(CancellationToken ct)
    {
        if (_kinds is { } known)
            return known;
        var probe = options.InterfacePrefix + "probe0";
        var supported = ImmutableArray.CreateBuilder<string>();
        foreach (var kind in KernelTunnelLink.Kinds)
        {
            if (await commands.CanCreateLinkAsync(probe, kind, ct))
                supported.Add(kind);
        }
        _kinds = supported.ToImmutable();
        log.LogInformation("Kernel tunnel kinds this kernel can create: {Kinds}", _kinds.Value.Length == 0 ? "none" : string.Join(", ", _kinds.Value));
        return _kinds.Value;
    }

    /// <summary>Creates and converges every wanted link; <paramref name="links"/> is the host's current view.</summary>
    public async Task ApplyAsync(ImmutableArray<KernelTunnelLink> wanted, IReadOnlyList<LinkInfo> links, CancellationToken ct)
    {
        foreach (var link in wanted)
        {
            var current = links.Any(l => l.Name == link.Name) ? await ReadAsync(link.Name, ct) : null;
            await ApplyAsync(link, current, ct);
        }
    }

    private async Task ApplyAsync(KernelTunnelLink link, Current? current, CancellationToken ct)
    {
        var name = link.Name;
        if (current is not null && !current.Matches(link))
        {
            log.LogInformation("{Interface} is a {Kind} link from {Local} to {Remote}; making it anew as {Wanted}", name, current.Kind ?? "(unknown)",
                current.Local ?? "any", current.Remote ?? "any", link);
            await commands.ChangeAsync(CommandRequest.Of("ip", "link", "del", name), ct);
            current = null;
        }
        if (current is null)
            await commands.ChangeAsync(CreateCommand(link), ct);

        var have = current?.Addresses ?? [];
        foreach (var address in link.Addresses.Except(have))
            await commands.ChangeAsync(new CommandRequest("ip", ["addr", "replace", .. AddressWords(address), "dev", name]), ct);
        foreach (var address in have.Except(link.Addresses))
            await commands.ChangeAsync(new CommandRequest("ip", ["addr", "del", .. AddressWords(address), "dev", name]), ct);
        if (link.Mtu is { } mtu && (current is null || current.Mtu != mtu))
            await commands.ChangeAsync(CommandRequest.Of("ip", "link", "set", name, "mtu", mtu.ToString(CultureInfo.InvariantCulture), "up"), ct);
        else if (current is null || !current.Up)
            await commands.ChangeAsync(CommandRequest.Of("ip", "link", "set", name, "up"), ct);
        await LooseReversePathFilterAsync(name, ct);
    }

    /// <summary><c>ip link add NAME type KIND [mode any] [local A] remote B</c>: ip6tnl in mode any carries IPv4 and IPv6 alike, as gre does.</summary>
    internal static CommandRequest CreateCommand(KernelTunnelLink link)
    {
        var words = new List<string> { "link", "add", link.Name, "type", link.Kind };
        if (link.Kind == "ip6tnl")
            words.AddRange(["mode", "any"]);
        if (link.Local is { } local)
            words.AddRange(["local", local.ToString()]);
        words.AddRange(["remote", link.Remote.ToString()]);
        return new CommandRequest("ip", words);
    }

    private static string[] AddressWords(TunnelAddress address) => address.Peer is { } peer
        ? [address.Address.Address.ToString(), "peer", $"{peer}/{address.Address.PrefixLength.ToString(CultureInfo.InvariantCulture)}"]
        : [address.Address.ToString()];

    /// <summary>As for WireGuard's links: a standby subscriber tunnel must accept probe replies the main table would not route to it.</summary>
    private async Task LooseReversePathFilterAsync(string name, CancellationToken ct)
    {
        var key = $"net/ipv4/conf/{name}/rp_filter";
        var value = await _sysctl.ReadAsync(key, ct);
        if (value is not null && value != LooseReversePathFilter)
            await _sysctl.WriteAsync(key, LooseReversePathFilter, ct);
    }

    private async Task<Current?> ReadAsync(string name, CancellationToken ct)
    {
        var json = await commands.ReadOutputAsync(CommandRequest.Of("ip", "-j", "-d", "addr", "show", "dev", name), ct);
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        foreach (var link in document.RootElement.EnumerateArray())
            return Current.Of(link);
        return null;
    }

    /// <summary>A tunnel link as the host has it.</summary>
    private sealed record Current(string? Kind, string? Mode, string? Local, string? Remote, int Mtu, bool Up, ImmutableArray<TunnelAddress> Addresses)
    {
        public bool Matches(KernelTunnelLink wanted) =>
            Kind == wanted.Kind
            && (wanted.Kind != "ip6tnl" || Mode == "any")
            && SameEndpoint(Local, wanted.Local)
            && SameEndpoint(Remote, wanted.Remote);

        // iproute2 6.x shows an unset endpoint as "any", older ones as the unspecified address.
        private static bool SameEndpoint(string? shown, IPAddress? wanted)
        {
            var address = shown is not null && IPAddress.TryParse(shown, out var parsed) ? parsed : null;
            var unset = shown is null or "any" || IPAddress.Any.Equals(address) || IPAddress.IPv6Any.Equals(address);
            return wanted is null ? unset : wanted.Equals(address);
        }

        public static Current Of(JsonElement link)
        {
            string? kind = null, mode = null, local = null, remote = null;
            if (link.TryGetProperty("linkinfo", out var info) && info.ValueKind == JsonValueKind.Object)
            {
                kind = Text(info, "info_kind");
                if (info.TryGetProperty("info_data", out var data) && data.ValueKind == JsonValueKind.Object)
                {
                    mode = Text(data, "proto");
                    local = Text(data, "local");
                    remote = Text(data, "remote");
                }
            }
            var up = link.TryGetProperty("flags", out var flags) && flags.ValueKind == JsonValueKind.Array
                && flags.EnumerateArray().Any(f => f.ValueKind == JsonValueKind.String && f.GetString() == "UP");
            var mtu = link.TryGetProperty("mtu", out var m) && m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out var n) ? n : 0;
            var addresses = ImmutableArray.CreateBuilder<TunnelAddress>();
            if (link.TryGetProperty("addr_info", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var a in list.EnumerateArray())
                {
                    if (Text(a, "scope") is "link" or "host")
                        continue;
                    if (Text(a, "local") is not { } l || !IPAddress.TryParse(l, out var address)
                        || !a.TryGetProperty("prefixlen", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var length))
                        continue;
                    // A point-to-point address shows its peer as "address"; a plain one shows no "address" or its own.
                    IPAddress? peer = Text(a, "address") is { } pa && IPAddress.TryParse(pa, out var pi) && !pi.Equals(address) ? pi : null;
                    addresses.Add(new TunnelAddress(new InterfaceAddress(address, length), peer));
                }
            }
            return new Current(kind, mode, local, remote, mtu, up, addresses.ToImmutable());
        }

        private static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
