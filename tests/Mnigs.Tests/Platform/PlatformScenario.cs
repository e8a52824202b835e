using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Logging;
using Mnigs.Core.Host;
using Mnigs.Platform;
using Mnigs.Tests.Store;

namespace Mnigs.Tests.Platform;

/// <summary>A LinuxPlatform over a scripted host, with its state directory and /proc/sys in a temp folder.</summary>
internal sealed class PlatformScenario : IDisposable
{
    public const string SubscriberKey = "MOWpccrVtzhl7H9UIZav7o2Aq1u8+I/HweDblOMVkWw=";
    public const string GatewayPublicKey = "TKxBP1rn1QMkBJkqgpNYj3343U5eQq4vKpUv8/c4Yy4=";
    public const string GatewayKey = "gJVZaVqUIa1lQjjUa15ulndLjt1rxMJ7bidMYBbQs0Q=";
    public const string SubscriberPublicKey = "sH48zMTcqAPMRuzlzIZoMB1HmF1PNCJyMjfum+NfIU0=";

    /// <summary>What <c>ip -j -N rule show</c> prints on a host without Mnigs' rules.</summary>
    public const string DefaultRules4 =
        """[{"priority":0,"src":"all","table":"255"},{"priority":32766,"src":"all","table":"254"},{"priority":32767,"src":"all","table":"253"}]""";
    public const string DefaultRules6 =
        """[{"priority":0,"src":"all","table":"255"},{"priority":32766,"src":"all","table":"254"}]""";
    public const string NoTable4 = "Error: ipv4: FIB table does not exist.\nDump terminated\n";
    public const string NoTable6 = "Error: ipv6: FIB table does not exist.\nDump terminated\n";
    public const string LoopbackOnly =
        """[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]""";

    private readonly TempDirectory _temp = new();

    public PlatformScenario()
    {
        Directory.CreateDirectory(_temp.File("proc", "net", "ipv4"));
        Directory.CreateDirectory(_temp.File("proc", "net", "ipv6", "conf", "all"));
        File.WriteAllText(_temp.File("proc", "net", "ipv4", "ip_forward"), "0\n");
        File.WriteAllText(_temp.File("proc", "net", "ipv6", "conf", "all", "forwarding"), "0\n");
        File.WriteAllText(_temp.File("resolv.conf"), "nameserver 10.255.255.53\n");
        Options = new PlatformOptions("mnt", 5151, 5200, _temp.File("state"))
        {
            ProcSysRoot = _temp.File("proc"),
            ResolvConf = _temp.File("resolv.conf"),
        };
        CleanHost();
    }

    public ScriptedCommandRunner Host { get; } = new();

    public CapturingLogger<LinuxPlatform> Log { get; } = new();

    public PlatformOptions Options { get; }

    public string ResolvConf => Options.ResolvConf;

    public string StateFile(string name) => Path.Combine(Options.StateDir, name);

    public string Sysctl(string key) => File.ReadAllText(Path.Combine(Options.ProcSysRoot, key)).Trim();

    /// <summary>A fresh platform instance: what a restarted daemon has.</summary>
    public LinuxPlatform NewPlatform() => new(Host, Options, Log);

    /// <summary>A host with nothing of Mnigs on it, no kernel WireGuard and no kernel tunnels (ipip, gre, ip6tnl, ip6gre), as this machine.</summary>
    public ScriptedCommandRunner CleanHost()
    {
        Host.Reset()
            .Answer("ip -j addr show", LoopbackOnly)
            .Answer("ip link add mnt3fa2s0 type wireguard", CommandResult.Fail(2, "Error: Unknown device type.\n"))
            .Answer("ip link add mntprobe0 type wireguard", CommandResult.Fail(2, "Error: Unknown device type.\n"))
            .Answer("ip link add mntprobe0 type ipip", CommandResult.Fail(2, "Error: Unknown device type.\n"))
            .Answer("ip link add mntprobe0 type gre", CommandResult.Fail(2, "Error: Unknown device type.\n"))
            .Answer("ip link add mntprobe0 type ip6tnl", CommandResult.Fail(2, "Error: Unknown device type.\n"))
            .Answer("ip link add mntprobe0 type ip6gre", CommandResult.Fail(2, "Error: Unknown device type.\n"))
            .Answer("ip -j -4 route show table 5151", new CommandResult(2, "[", NoTable4))
            .Answer("ip -j -6 route show table 5151", new CommandResult(2, "[", NoTable6))
            .Answer("ip -j -N -4 rule show", DefaultRules4)
            .Answer("ip -j -N -6 rule show", DefaultRules6)
            .Answer("nft list tables", "");
        return Host;
    }

    /// <summary>The subscriber side of one connection: a wireguard-go tunnel with the Internet routed through it.</summary>
    public static HostState Subscriber() => new()
    {
        WireGuard =
        [
            new WireGuardInterface("mnt3fa2s0", SubscriberKey, ListenPort: null,
                [InterfaceAddress.Parse("10.201.0.5/32"), InterfaceAddress.Parse("fd6d:6e69:6773::5/128")], Mtu: 1380,
                [new WireGuardPeer(GatewayPublicKey, IPEndPoint.Parse("10.0.0.1:51820"),
                    [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")], PersistentKeepalive: 25)]),
        ],
        Routes =
        [
            new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "mnt3fa2s0"),
            new RouteSpec(IPNetwork.Parse("::/0"), "mnt3fa2s0"),
        ],
        Policy = new RoutingPolicy(5151, 5200),
    };

    /// <summary>The host as <see cref="Subscriber"/> leaves it, in the words of ip and wg.</summary>
    public ScriptedCommandRunner SubscriberHost()
    {
        CleanHost()
            .Answer("ip -j addr show", LoopbackOnly[..^1] + ","
                + """{"ifindex":4,"ifname":"mnt3fa2s0","flags":["POINTOPOINT","MULTICAST","NOARP","UP","LOWER_UP"],"mtu":1380,"qdisc":"pfifo_fast","operstate":"UNKNOWN","group":"default","txqlen":500,"link_type":"none","addr_info":[{"family":"inet","local":"10.201.0.5","prefixlen":32,"scope":"global","label":"mnt3fa2s0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fd6d:6e69:6773::5","prefixlen":128,"scope":"global","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fe80::6081:14fd:bbdd:fa5b","prefixlen":64,"scope":"link","stable-privacy":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}]}]""")
            .Answer("wg showconf mnt3fa2s0", $"""
                [Interface]
                ListenPort = 43727
                PrivateKey = {SubscriberKey}

                [Peer]
                PublicKey = {GatewayPublicKey}
                AllowedIPs = 0.0.0.0/0, ::/0
                Endpoint = 10.0.0.1:51820
                PersistentKeepalive = 25

                """)
            .Answer("ip -j -4 route show table 5151", """[{"dst":"default","dev":"mnt3fa2s0","scope":"link","flags":[]}]""")
            .Answer("ip -j -6 route show table 5151", """[{"dst":"default","dev":"mnt3fa2s0","metric":1024,"flags":[],"pref":"medium"}]""")
            .Answer("ip -j -N -4 rule show",
                """[{"priority":0,"src":"all","table":"255"},{"priority":5200,"src":"all","table":"254","suppress_prefixlen":0},{"priority":5201,"src":"all","table":"5151"},{"priority":32766,"src":"all","table":"254"},{"priority":32767,"src":"all","table":"253"}]""")
            .Answer("ip -j -N -6 rule show",
                """[{"priority":0,"src":"all","table":"255"},{"priority":5200,"src":"all","table":"254","suppress_prefixlen":0},{"priority":5201,"src":"all","table":"5151"},{"priority":32766,"src":"all","table":"254"}]""");
        return Host;
    }

    public void Dispose() => _temp.Dispose();
}
