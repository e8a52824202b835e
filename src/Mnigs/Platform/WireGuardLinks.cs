using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// Mnigs' WireGuard interfaces: in the kernel (<c>ip link add NAME type wireguard</c>) where it has
/// WireGuard, otherwise as wireguard-go (0.0.2023+, which daemonizes and serves
/// <c>/var/run/wireguard/NAME.sock</c>). Both are configured with wg(8) from stdin, so the private key
/// never appears in a command line.
/// </summary>
internal sealed class WireGuardLinks(HostCommands commands, PlatformOptions options, ILogger log)
{
    private const string LooseReversePathFilter = "2";

    private readonly Sysctl _sysctl = new(options, log);

    private bool? _kernel;

    /// <summary>Whether the kernel can create WireGuard links; probed once with a throwaway link.</summary>
    public async Task<bool> KernelSupportAsync(CancellationToken ct)
    {
        if (_kernel is { } known)
            return known;
        var probe = options.InterfacePrefix + "probe0";
        _kernel = await commands.CanCreateLinkAsync(probe, "wireguard", ct);
        log.LogInformation("Kernel WireGuard support: {KernelWireGuard}", _kernel);
        return _kernel.Value;
    }

    /// <summary>Creates and configures every wanted interface; <paramref name="links"/> is the host's current view.</summary>
    public async Task ApplyAsync(ImmutableArray<WireGuardInterface> wanted, IReadOnlyList<LinkInfo> links, CancellationToken ct)
    {
        foreach (var wg in wanted)
            await ApplyAsync(wg, links.FirstOrDefault(l => l.Name == wg.Name), ct);
    }

    /// <summary>Deletes every link with Mnigs' prefix that is not wanted (wireguard-go ends with its link).</summary>
    public async Task DeleteUnwantedAsync(ImmutableArray<WireGuardInterface> wanted, IReadOnlyList<LinkInfo> links, CancellationToken ct)
    {
        foreach (var link in links)
        {
            if (InterfaceNames.IsOwned(options.InterfacePrefix, link.Name) && !wanted.Any(w => w.Name == link.Name))
                await commands.ChangeAsync(CommandRequest.Of("ip", "link", "del", link.Name), ct);
        }
    }

    private async Task ApplyAsync(WireGuardInterface wg, LinkInfo? link, CancellationToken ct)
    {
        var name = wg.Name;
        var fresh = link is null;
        if (link is not null)
        {
            var running = await commands.ReadAsync(CommandRequest.Of("wg", "showconf", name), ct);
            if (!running.Succeeded)
            {
                // Our prefix, but not a WireGuard link (or its wireguard-go is gone): start over.
                log.LogWarning("{Interface} exists but is not a working WireGuard interface ({Error}); recreating it", name, running.Stderr.Trim());
                await commands.ChangeAsync(CommandRequest.Of("ip", "link", "del", name), ct);
                fresh = true;
            }
            else if (!WireGuardConfigText.Matches(running.Stdout, wg))
            {
                await ConfigureAsync(wg, "syncconf", ct);
            }
        }
        if (fresh)
        {
            await CreateAsync(name, ct);
            await ConfigureAsync(wg, "setconf", ct);
        }

        var current = fresh ? [] : link!.Addresses;
        foreach (var address in wg.Addresses.Except(current))
            await commands.ChangeAsync(CommandRequest.Of("ip", "addr", "replace", address.ToString(), "dev", name), ct);
        foreach (var address in current.Except(wg.Addresses))
            await commands.ChangeAsync(CommandRequest.Of("ip", "addr", "del", address.ToString(), "dev", name), ct);
        if (fresh || link!.Mtu != wg.Mtu || !link.Up)
            await commands.ChangeAsync(CommandRequest.Of("ip", "link", "set", name, "mtu", wg.Mtu.ToString(CultureInfo.InvariantCulture), "up"), ct);
        await LooseReversePathFilterAsync(name, ct);
    }

    /// <summary>
    /// Probe replies through a standby tunnel arrive on an interface the main routing table does not use
    /// to reach their sender, and strict reverse-path filtering (<c>rp_filter</c> 1, ip-sysctl.txt) drops
    /// them. Loose mode (2) still drops sources that no interface routes to. The kernel uses the higher
    /// of <c>conf/all</c> and the interface's value, so setting the interface's is enough; the value goes
    /// with the interface. With both at 0 (no filtering, the default in a new network namespace such as a
    /// container's) nothing is written: a container's /proc/sys is read-only (packaging/docker/compose.yaml).
    /// </summary>
    private async Task LooseReversePathFilterAsync(string name, CancellationToken ct)
    {
        var key = $"net/ipv4/conf/{name}/rp_filter";
        var value = await _sysctl.ReadAsync(key, ct);
        if (value == "0" && await _sysctl.ReadAsync("net/ipv4/conf/all/rp_filter", ct) is "0" or LooseReversePathFilter)
            return;
        switch (value)
        {
            case null:
                log.LogDebug("No {Sysctl}; leaving reverse-path filtering on {Interface} as it is", key.Replace('/', '.'), name);
                return;
            case LooseReversePathFilter:
                return;
            default:
                await _sysctl.WriteAsync(key, LooseReversePathFilter, ct);
                return;
        }
    }

    private async Task CreateAsync(string name, CancellationToken ct)
    {
        if (_kernel != false)
        {
            var result = await commands.TryChangeAsync(CommandRequest.Of("ip", "link", "add", name, "type", "wireguard"), ct);
            if (result.Succeeded)
            {
                _kernel = true;
                return;
            }
            if (_kernel == true || !LacksKernelSupport(result.Stderr))
                throw new CommandFailedException(CommandRequest.Of("ip", "link", "add", name, "type", "wireguard"), result);
            _kernel = false;
        }
        var wireguardGo = commands.Runner.FindProgram("wireguard-go")
            ?? throw new InvalidOperationException(
                $"Cannot create WireGuard interface {name}: this kernel has no WireGuard support and wireguard-go is not installed");
        await WaitForPreviousInstanceAsync(name, ct);
        await commands.ChangeAsync(CommandRequest.Of(wireguardGo, name), ct);
    }

    /// <summary>
    /// A wireguard-go whose link was just deleted (cleanup after a crash, a re-created interface) takes a
    /// moment to exit and still answers on <c>/var/run/wireguard/NAME.sock</c>. A new one started under
    /// the same name meanwhile cannot take the socket, and wg(8) would configure the dying one. Waits
    /// (at most 5 s) until nothing answers there.
    /// </summary>
    private async Task WaitForPreviousInstanceAsync(string name, CancellationToken ct)
    {
        var socket = Path.Combine(options.WireGuardSocketDirectory, name + ".sock");
        for (var i = 0; i < 50 && Answers(socket); i++)
            await Task.Delay(100, ct);
        if (Answers(socket))
            log.LogWarning("An earlier wireguard-go still answers on {Socket}; starting {Interface} anyway", socket, name);
    }

    private static bool Answers(string socket)
    {
        if (!File.Exists(socket))
            return false;
        try
        {
            using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false; // a stale file: wireguard-go replaces it
        }
    }

    private Task ConfigureAsync(WireGuardInterface wg, string verb, CancellationToken ct) =>
        commands.ChangeAsync(new CommandRequest("wg", [verb, wg.Name, "/dev/stdin"])
        {
            Stdin = WireGuardConfigText.Render(wg),
            Secrets = [wg.PrivateKey],
        }, ct);

    private static bool LacksKernelSupport(string stderr) =>
        stderr.Contains("Unknown device type", StringComparison.OrdinalIgnoreCase)
        || stderr.Contains("not supported", StringComparison.OrdinalIgnoreCase);
}
