using System.Net;
using System.Net.Sockets;
using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// <see cref="IHostPlatform"/> for Linux through its own tools: iproute2 (<c>ip -j</c>, 5.x/6.x),
/// wireguard-tools and wireguard-go, nftables (<c>nft -f</c>, 0.9.6+), resolvectl, and /proc/sys.
/// Every apply reads the host back, so the first apply after a restart converges from whatever a
/// crashed daemon left; an unchanged state issues no changing command.
/// </summary>
public sealed class LinuxPlatform : IHostPlatform, IDisposable
{
    private const string ResolvedDirectory = "/run/systemd/resolve/";

    private readonly ICommandRunner _runner;
    private readonly PlatformOptions _options;
    private readonly ILogger<LinuxPlatform> _log;
    private readonly HostCommands _commands;
    private readonly WireGuardLinks _wireGuard;
    private readonly KernelTunnelLinks _kernelTunnels;
    private readonly PolicyRouting _routing;
    private readonly NftablesFirewall _firewall;
    private readonly ForwardingSysctl _forwarding;
    private readonly ResolverSettings _dns;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// Links a desired state named as held by a tunnel's program (<see cref="HostState.ServiceLinks"/>), while they
    /// exist. Apply never deletes them, listed or not: such a TUN goes with its program, which the tunnel stops right
    /// after dropping it from the state (deleted first, openvpn spins on read errors for seconds). After a crash the
    /// programs are ended before cleanup, and cleanup deletes whatever is left.
    /// </summary>
    private readonly HashSet<string> _programLinks = new(StringComparer.Ordinal);

    public LinuxPlatform(ICommandRunner runner, PlatformOptions options, ILogger<LinuxPlatform> log)
    {
        // Room for the four-character tag, the role letter and a two-digit index (see InterfaceNames).
        if (options.InterfacePrefix.Length is 0 or > 8 || !options.InterfacePrefix.All(IsNameChar))
            throw new ArgumentException($"Interface prefix '{options.InterfacePrefix}' must be 1 to 8 letters, digits, '-' or '_'", nameof(options));
        if (options.RoutingTable is <= 0 or 253 or 254 or 255)
            throw new ArgumentException($"Routing table {options.RoutingTable} is reserved; choose another", nameof(options));
        if (options.RulePriority is <= 0 or >= 32765)
            throw new ArgumentException($"Rule priority {options.RulePriority} must be between 1 and 32764", nameof(options));
        _runner = runner;
        _options = options;
        _log = log;
        _commands = new HostCommands(runner, options.CommandTimeout, log);
        _wireGuard = new WireGuardLinks(_commands, options, log);
        _kernelTunnels = new KernelTunnelLinks(_commands, options, log);
        _routing = new PolicyRouting(_commands, options);
        _firewall = new NftablesFirewall(_commands);
        _forwarding = new ForwardingSysctl(options, log);
        _dns = new ResolverSettings(_commands, options, log);
    }

    public async Task ApplyAsync(HostState desired, CancellationToken ct)
    {
        Validate(desired);
        await _gate.WaitAsync(ct);
        try
        {
            var links = await ReadLinksAsync(ct);
            _programLinks.IntersectWith(links.Select(l => l.Name));
            _programLinks.UnionWith(desired.ServiceLinks);
            var errors = new List<Exception>();
            // Make before break: the new interfaces, routes and rules first, the unwanted links last.
            await Step(errors, () => _wireGuard.ApplyAsync(desired.WireGuard, links, ct));
            await Step(errors, () => _kernelTunnels.ApplyAsync(desired.KernelTunnels, links, ct));
            await Step(errors, () => _routing.ApplyRoutesAsync(desired.Routes, ct));
            await Step(errors, () => _routing.ApplyRulesAsync(desired.Policy, ct));
            await Step(errors, () => _firewall.ApplyAsync(desired.Firewall, ct));
            await Step(errors, () => _forwarding.ApplyAsync(desired.Forwarding, ct));
            await Step(errors, () => _dns.ApplyAsync(desired.Dns, desired.Dns is not null && UsesSystemdResolved(), links, ct));
            // Every unwanted Mnigs-named link goes, whatever its kind; the wanted kernel tunnels and the links the
            // tunnels' own programs hold (an OpenVPN tun) are not unwanted.
            await Step(errors, () => _wireGuard.DeleteUnwantedAsync(desired.WireGuard,
                [.. links.Where(l => !desired.KernelTunnels.Any(k => k.Name == l.Name) && !_programLinks.Contains(l.Name))], ct));
            ThrowIfAny(errors, "apply the host state");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task CleanupAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var errors = new List<Exception>();
            await Step(errors, async () => await _wireGuard.DeleteUnwantedAsync([], await ReadLinksAsync(ct), ct));
            await Step(errors, () => _routing.CleanupAsync(ct));
            await Step(errors, () => _firewall.CleanupAsync(ct));
            await Step(errors, () => _forwarding.RestoreAsync(ct));
            await Step(errors, () => _dns.RestoreAsync(ct));
            _dns.Forget();
            _programLinks.Clear();
            ThrowIfAny(errors, "clean up the host");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<HostFacts> ReadFactsAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var defaults = await _commands.ReadOutputAsync(CommandRequest.Of("ip", "-j", "-4", "route", "show", "default"), ct);
            return new HostFacts(
                DefaultRouteInterface: IpJson.FirstDevice(defaults),
                KernelWireGuard: await _wireGuard.KernelSupportAsync(ct),
                TunnelKinds: await _kernelTunnels.SupportedKindsAsync(ct),
                WireGuardGo: _runner.FindProgram("wireguard-go"),
                WireGuardTools: _runner.FindProgram("wg") is not null,
                Nftables: _runner.FindProgram("nft") is not null,
                SystemdResolved: UsesSystemdResolved(),
                Resolvers: await ReadResolversAsync(ct),
                Links: [.. (await ReadLinksAsync(ct)).Select(l => new LinkFacts(l.Name, l.Mtu, l.Addresses))],
                Programs: HostFacts.KnownPrograms
                    .Select(p => (Name: p, Path: _runner.FindProgram(p)))
                    .Where(p => p.Path is not null)
                    .ToDictionary(p => p.Name, p => p.Path!, StringComparer.Ordinal));
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<RouteHop?> RouteToAsync(IPAddress destination, CancellationToken ct)
    {
        var route = await _commands.ReadAsync(CommandRequest.Of("ip", "-j", "route", "get", destination.ToString()), ct);
        return route.Succeeded ? IpJson.Hop(route.Stdout) : null;
    }

    public async Task<int?> PathMtuAsync(IPAddress destination, CancellationToken ct)
    {
        var route = await _commands.ReadAsync(CommandRequest.Of("ip", "-j", "route", "get", destination.ToString()), ct);
        if (!route.Succeeded)
            return null;
        var (device, mtu) = IpJson.RouteGet(route.Stdout);
        if (mtu is not null || device is null)
            return mtu;
        var link = await _commands.ReadOutputAsync(CommandRequest.Of("ip", "-j", "link", "show", "dev", device), ct);
        return IpJson.Links(link).FirstOrDefault()?.Mtu;
    }

    public async Task<IReadOnlyDictionary<string, (long Rx, long Tx)>> ReadPeerTransfersAsync(string iface, CancellationToken ct)
    {
        // Only a name: never something wg would take for an option.
        if (iface.Length is 0 or > 15 || !iface.All(IsNameChar) || iface[0] == '-')
            throw new ArgumentException($"'{iface}' is not an interface name", nameof(iface));
        return WireGuardTransfers.Parse(await _commands.ReadOutputAsync(CommandRequest.Of("wg", "show", iface, "transfer"), ct));
    }

    public async Task SetLinkAddressesAsync(string iface, IReadOnlyList<InterfaceAddress> wanted, IReadOnlyList<IPNetwork> within, CancellationToken ct)
    {
        if (iface.Length is 0 or > 15 || !iface.All(c => IsNameChar(c) || c == '.') || iface[0] == '-')
            throw new ArgumentException($"'{iface}' is not an interface name", nameof(iface));
        if (InterfaceNames.IsOwned(_options.InterfacePrefix, iface))
            throw new ArgumentException($"'{iface}' is one of Mnigs' own interfaces; its addresses come with the host state", nameof(iface));
        if (wanted.FirstOrDefault(w => !within.Any(n => n.Contains(w.Address))) is { Address: not null } outside)
            throw new ArgumentException($"{outside} is not within the ranges given ({string.Join(", ", within)}), so it would never be removed", nameof(wanted));
        await _gate.WaitAsync(ct);
        try
        {
            var link = IpJson.Links(await _commands.ReadOutputAsync(CommandRequest.Of("ip", "-j", "addr", "show", "dev", iface), ct)).FirstOrDefault()
                ?? throw new ArgumentException($"There is no interface {iface}", nameof(iface));
            foreach (var address in link.Addresses.Where(a => within.Any(n => n.Contains(a.Address)) && !wanted.Contains(a)))
                await _commands.ChangeAsync(CommandRequest.Of("ip", "addr", "del", address.ToString(), "dev", iface), ct);
            foreach (var address in wanted.Where(w => !link.Addresses.Contains(w)))
                await _commands.ChangeAsync(CommandRequest.Of("ip", "addr", "replace", address.ToString(), "dev", iface), ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyDictionary<string, long>> ReadQuotasAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await _firewall.ReadQuotasAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<IReadOnlyList<LinkInfo>> ReadLinksAsync(CancellationToken ct) =>
        IpJson.Links(await _commands.ReadOutputAsync(CommandRequest.Of("ip", "-j", "addr", "show"), ct));

    /// <summary>resolvectl is installed and resolv.conf is systemd-resolved's own file (normally its stub).</summary>
    private bool UsesSystemdResolved()
    {
        if (_runner.FindProgram("resolvectl") is null)
            return false;
        try
        {
            var target = new FileInfo(_options.ResolvConf).ResolveLinkTarget(returnFinalTarget: true);
            return target?.FullName.StartsWith(ResolvedDirectory, StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<IReadOnlyList<IPAddress>> ReadResolversAsync(CancellationToken ct)
    {
        if (!File.Exists(_options.ResolvConf))
            return [];
        var servers = new List<IPAddress>();
        foreach (var line in await File.ReadAllLinesAsync(_options.ResolvConf, ct))
        {
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words is ["nameserver", var text, ..] && IPAddress.TryParse(text, out var server) && !IPAddress.IsLoopback(server))
                servers.Add(server);
        }
        return servers;
    }

    private void Validate(HostState desired)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var wg in desired.WireGuard)
        {
            if (!InterfaceNames.IsOwned(_options.InterfacePrefix, wg.Name) || wg.Name.EndsWith("probe0", StringComparison.Ordinal))
                throw new ArgumentException($"WireGuard interface '{wg.Name}' is not named like Mnigs' own ({InterfaceNames.For(_options.InterfacePrefix, "3fa2", 's', 0)}), so cleanup would not find it");
            if (!names.Add(wg.Name))
                throw new ArgumentException($"WireGuard interface '{wg.Name}' is wanted twice");
            if (wg.Mtu is < 576 or > 65535)
                throw new ArgumentException($"WireGuard interface '{wg.Name}' has an impossible MTU {wg.Mtu}");
        }
        foreach (var link in desired.KernelTunnels)
            ValidateKernelTunnel(link, names);
        foreach (var link in desired.ServiceLinks)
        {
            if (!InterfaceNames.IsOwned(_options.InterfacePrefix, link) || link.EndsWith("probe0", StringComparison.Ordinal))
                throw new ArgumentException($"Interface '{link}' of a tunnel's program is not named like Mnigs' own ({InterfaceNames.For(_options.InterfacePrefix, "3fa2", 'g', 1)}), so cleanup would not find it");
            if (!names.Add(link))
                throw new ArgumentException($"Interface '{link}' is wanted twice");
        }
        foreach (var route in desired.Routes)
        {
            if (route.Device.Length is 0 or > 15 || !route.Device.All(c => IsNameChar(c) || c == '.'))
                throw new ArgumentException($"Route to {route.Destination} names an invalid device '{route.Device}'");
            if (route.Via is { } via && via.AddressFamily != route.Destination.BaseAddress.AddressFamily)
                throw new ArgumentException($"Route to {route.Destination} goes via {via}, an address of the other family");
            if (route.Source is { } source && source.AddressFamily != route.Destination.BaseAddress.AddressFamily)
                throw new ArgumentException($"Route to {route.Destination} has source {source}, an address of the other family");
        }
        if (desired.Policy is { } policy && (policy.Table != _options.RoutingTable || policy.Priority != _options.RulePriority))
            throw new ArgumentException(
                $"Routing policy (table {policy.Table}, priority {policy.Priority}) differs from the platform's (table {_options.RoutingTable}, priority {_options.RulePriority}); cleanup would not find it");
    }

    private void ValidateKernelTunnel(KernelTunnelLink link, HashSet<string> names)
    {
        if (!InterfaceNames.IsOwned(_options.InterfacePrefix, link.Name) || link.Name.EndsWith("probe0", StringComparison.Ordinal))
            throw new ArgumentException($"Tunnel link '{link.Name}' is not named like Mnigs' own ({InterfaceNames.For(_options.InterfacePrefix, "3fa2", 'g', 10)}), so cleanup would not find it");
        if (!names.Add(link.Name))
            throw new ArgumentException($"Interface '{link.Name}' is wanted twice");
        if (!KernelTunnelLink.Kinds.Contains(link.Kind))
            throw new ArgumentException($"Tunnel link '{link.Name}' has kind '{link.Kind}'; Mnigs makes {string.Join(", ", KernelTunnelLink.Kinds)}");
        var family = link.Kind is "ip6tnl" or "ip6gre" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        if (link.Remote.AddressFamily != family || (link.Local is { } local && local.AddressFamily != family))
            throw new ArgumentException($"Tunnel link '{link.Name}' ({link.Kind}) needs {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} endpoints, not {link.Local?.ToString() ?? "any"} to {link.Remote}");
        if (link.Mtu is < 576 or > 65535)
            throw new ArgumentException($"Tunnel link '{link.Name}' has an impossible MTU {link.Mtu}");
    }

    private async Task Step(List<Exception> errors, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One failing part must not keep the others from converging (or from being cleaned up).
            _log.LogWarning("Host change failed: {Error}", e.Message);
            errors.Add(e);
        }
    }

    private static void ThrowIfAny(List<Exception> errors, string what)
    {
        if (errors.Count == 1)
            throw errors[0];
        if (errors.Count > 1)
            throw new AggregateException($"Could not {what}: " + string.Join("; ", errors.Select(e => e.Message)), errors);
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
