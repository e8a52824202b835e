using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Lab.Tests.Platform;

/// <summary>
/// LinuxPlatform against a real kernel, iproute2, wireguard-go and nftables, inside a network
/// namespace of its own. /proc/sys and resolv.conf are temp files: this process is not in the namespace.
/// </summary>
public sealed class LinuxPlatformLabTests : IAsyncLifetime
{
    private const int Table = 5151;
    private const int Priority = 5200;

    // Per run: wireguard-go's socket (/var/run/wireguard/NAME.sock) is shared by all namespaces.
    private readonly string _prefix = "l" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))[..3];
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("mnigs-platform-lab-");
    private LabNamespace? _ns;
    private RecordingCommandRunner _recorder = null!;
    private PlatformOptions _options = null!;

    private string Wg => InterfaceNames.For(_prefix, "3fa2", 'g', 0);

    private string Temp(params string[] parts) => Path.Combine([_temp.FullName, .. parts]);

    public async Task InitializeAsync()
    {
        LabPrerequisites.Require("ip", "wg", "wireguard-go", "nft", "sysctl");
        _ns = await LabNamespace.CreateAsync("plat");
        _recorder = new RecordingCommandRunner(_ns.Runner);
        await Ns.CheckedAsync("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up1");
        await Ns.CheckedAsync("ip", "addr", "add", "192.0.2.2/24", "dev", "up0");
        await Ns.CheckedAsync("ip", "link", "set", "up0", "up");
        await Ns.CheckedAsync("ip", "link", "set", "up1", "up");
        await Ns.CheckedAsync("ip", "route", "add", "default", "via", "192.0.2.1", "dev", "up0");

        Directory.CreateDirectory(Temp("proc", "net", "ipv4"));
        Directory.CreateDirectory(Temp("proc", "net", "ipv6", "conf", "all"));
        await File.WriteAllTextAsync(Temp("proc", "net", "ipv4", "ip_forward"), "0\n");
        await File.WriteAllTextAsync(Temp("proc", "net", "ipv6", "conf", "all", "forwarding"), "0\n");
        await File.WriteAllTextAsync(Temp("resolv.conf"), "nameserver 192.0.2.53\n");
        _options = new PlatformOptions(_prefix, Table, Priority, Temp("state"))
        {
            ProcSysRoot = Temp("proc"),
            ResolvConf = Temp("resolv.conf"),
        };
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_ns is not null)
                await _ns.DisposeAsync();
        }
        finally
        {
            await LabNamespace.SweepAsync();
            _temp.Delete(recursive: true);
        }
    }

    private LabNamespace Ns => _ns ?? throw new InvalidOperationException("The namespace was not created");

    private LinuxPlatform NewPlatform() => new(_recorder, _options, NullLogger<LinuxPlatform>.Instance);

    private HostState Gateway() => new()
    {
        WireGuard =
        [
            new WireGuardInterface(Wg, WireGuardKey(), 51820,
                [InterfaceAddress.Parse("10.201.0.1/24"), InterfaceAddress.Parse("fd6d:6e69:6773::1/64")], 1380,
                [
                    new WireGuardPeer("TKxBP1rn1QMkBJkqgpNYj3343U5eQq4vKpUv8/c4Yy4=", IPEndPoint.Parse("192.0.2.1:51820"),
                        [IPNetwork.Parse("10.201.0.5/32"), IPNetwork.Parse("10.9.0.0/16")], PersistentKeepalive: 25),
                    new WireGuardPeer("sH48zMTcqAPMRuzlzIZoMB1HmF1PNCJyMjfum+NfIU0=", null, [IPNetwork.Parse("fd6d:6e69:6773::6/128")]),
                ]),
        ],
        Routes =
        [
            new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), Wg),
            new RouteSpec(IPNetwork.Parse("::/0"), Wg),
            new RouteSpec(IPNetwork.Parse("10.9.0.0/16"), Wg, IPAddress.Parse("10.201.0.5")),
        ],
        Policy = new RoutingPolicy(Table, Priority),
        Firewall = new FirewallSpec
        {
            MasqueradeSources = [IPNetwork.Parse("10.201.0.0/24"), IPNetwork.Parse("fd6d:6e69:6773::/64")],
            Uplink = "up0",
            SubscriberInterfaces = [Wg],
            ClampMss = true,
        },
        Forwarding = true,
        Dns = new DnsSpec([IPAddress.Parse("10.201.0.1")], Wg, Temp("resolv.conf")),
    };

    private static string WireGuardKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Apply_builds_the_whole_state_and_applying_it_again_changes_nothing()
    {
        using var platform = NewPlatform();
        var state = Gateway();

        await platform.ApplyAsync(state, CancellationToken.None);

        var link = await LinkAsync(Wg);
        Assert.Equal(1380, link.GetProperty("mtu").GetInt32());
        Assert.Contains("UP", link.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        var addresses = link.GetProperty("addr_info").EnumerateArray()
            .Where(a => a.GetProperty("scope").GetString() == "global")
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}");
        Assert.Equal(["10.201.0.1/24", "fd6d:6e69:6773::1/64"], addresses.Order());
        Assert.True(WireGuardGoRuns(Wg), $"wireguard-go {Wg} should be running");
        var wg = await Ns.CheckedAsync("wg", "showconf", Wg);
        Assert.Contains("ListenPort = 51820", wg);
        Assert.Contains("Endpoint = 192.0.2.1:51820", wg);
        Assert.Contains("PersistentKeepalive = 25", wg);

        var routes4 = await Ns.CheckedAsync("ip", "-4", "route", "show", "table", $"{Table}");
        Assert.Contains($"default dev {Wg}", routes4);
        Assert.Contains($"10.9.0.0/16 via 10.201.0.5 dev {Wg}", routes4);
        Assert.Contains($"default dev {Wg}", await Ns.CheckedAsync("ip", "-6", "route", "show", "table", $"{Table}"));
        foreach (var family in new[] { "-4", "-6" })
        {
            var rules = await Ns.CheckedAsync("ip", family, "rule", "show");
            Assert.Contains($"{Priority}:\tfrom all lookup main suppress_prefixlength 0", rules);
            Assert.Contains($"{Priority + 1}:\tfrom all lookup {Table}", rules);
        }
        var nft = await Ns.CheckedAsync("nft", "list", "table", "inet", "mnigs");
        Assert.Contains("oifname \"up0\" ip saddr 10.201.0.0/24 masquerade", nft);
        Assert.Contains("oifname \"up0\" ip6 saddr fd6d:6e69:6773::/64 masquerade", nft);
        Assert.Contains($"iifname \"{Wg}\" oifname != \"up0\" drop", nft);
        Assert.Contains("tcp option maxseg size set rt mtu", nft);
        Assert.Equal("1", (await File.ReadAllTextAsync(Temp("proc", "net", "ipv4", "ip_forward"))).Trim());
        Assert.StartsWith("# written by mnigs\nnameserver 10.201.0.1\n", await File.ReadAllTextAsync(Temp("resolv.conf")));
        Assert.DoesNotContain(_recorder.CommandLines, l => l.Contains(state.WireGuard[0].PrivateKey));

        _recorder.Clear();
        await platform.ApplyAsync(state, CancellationToken.None);
        Assert.Empty(_recorder.Changes);

        // What a restarted daemon does first: converge from what is there, here without a change.
        _recorder.Clear();
        using (var restarted = NewPlatform())
            await restarted.ApplyAsync(state, CancellationToken.None);
        Assert.Equal(["nft -f -"], _recorder.Changes);
    }

    [Fact]
    public async Task Applying_the_empty_state_removes_everything()
    {
        using var platform = NewPlatform();
        await platform.ApplyAsync(Gateway(), CancellationToken.None);

        await platform.ApplyAsync(HostState.Empty, CancellationToken.None);

        await AssertNothingOfMnigsAsync();
    }

    [Fact]
    public async Task Cleanup_by_a_fresh_instance_removes_what_a_crashed_daemon_left()
    {
        var crashed = NewPlatform();
        await crashed.ApplyAsync(Gateway(), CancellationToken.None);
        // Also a leftover kernel-WireGuard probe and a link of the operator that merely shares the prefix.
        await Ns.CheckedAsync("ip", "link", "add", _prefix + "lan", "type", "veth", "peer", "name", _prefix + "lan1");

        using var restarted = NewPlatform();
        await restarted.CleanupAsync(CancellationToken.None);

        await AssertNothingOfMnigsAsync();
        Assert.Contains(_prefix + "lan", await Ns.CheckedAsync("ip", "-o", "link", "show"));
        _recorder.Clear();
        await restarted.CleanupAsync(CancellationToken.None);
        Assert.Empty(_recorder.Changes);
    }

    [Fact]
    public async Task Facts_report_the_uplink_and_wireguard_go()
    {
        using var platform = NewPlatform();

        var facts = await platform.ReadFactsAsync(CancellationToken.None);

        Assert.Equal("up0", facts.DefaultRouteInterface);
        Assert.NotNull(facts.WireGuardGo);
        Assert.True(facts.WireGuardTools);
        Assert.True(facts.Nftables);
        Assert.Equal([IPAddress.Parse("192.0.2.53")], facts.Resolvers);
        Assert.DoesNotContain(_prefix + "probe0", await Ns.CheckedAsync("ip", "-o", "link", "show"));
        Assert.Equal(1500, await platform.PathMtuAsync(IPAddress.Parse("198.51.100.1"), CancellationToken.None));
    }

    private async Task<JsonElement> LinkAsync(string name)
    {
        using var document = JsonDocument.Parse(await Ns.CheckedAsync("ip", "-j", "addr", "show", "dev", name));
        return document.RootElement[0].Clone();
    }

    private async Task AssertNothingOfMnigsAsync()
    {
        var links = await Ns.CheckedAsync("ip", "-o", "link", "show");
        Assert.DoesNotContain(Wg, links);
        Assert.DoesNotContain(_prefix + "probe0", links);
        foreach (var family in new[] { "-4", "-6" })
        {
            var routes = await Ns.RunAsync("ip", family, "route", "show", "table", $"{Table}");
            Assert.True(routes.Stdout.Trim().Length == 0, $"table {Table} ({family}) still holds: {routes.Stdout}");
            var rules = await Ns.CheckedAsync("ip", family, "rule", "show");
            Assert.DoesNotContain($"{Priority}:", rules);
            Assert.DoesNotContain($"{Priority + 1}:", rules);
        }
        Assert.DoesNotContain("inet mnigs", await Ns.CheckedAsync("nft", "list", "tables"));
        Assert.Equal("0", (await File.ReadAllTextAsync(Temp("proc", "net", "ipv4", "ip_forward"))).Trim());
        Assert.Equal("0", (await File.ReadAllTextAsync(Temp("proc", "net", "ipv6", "conf", "all", "forwarding"))).Trim());
        Assert.Equal("nameserver 192.0.2.53\n", await File.ReadAllTextAsync(Temp("resolv.conf")));
        Assert.Empty(Directory.Exists(Temp("state")) ? Directory.GetFiles(Temp("state")) : []);
        // wireguard-go ends with its link, a moment later.
        for (var i = 0; i < 40 && WireGuardGoRuns(Wg); i++)
            await Task.Delay(50);
        Assert.False(WireGuardGoRuns(Wg), $"wireguard-go {Wg} is still running");
        Assert.False(File.Exists($"/var/run/wireguard/{Wg}.sock"));
    }

    private static bool WireGuardGoRuns(string name)
    {
        foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                var words = File.ReadAllText(Path.Combine(process, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 2 && words[0].EndsWith("wireguard-go", StringComparison.Ordinal) && words[1] == name)
                    return true;
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return false;
    }
}
