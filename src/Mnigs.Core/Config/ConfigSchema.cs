using System.Net.Sockets;
using static Mnigs.Core.Config.ConfigValueKinds;

namespace Mnigs.Core.Config;

/// <summary>
/// Every key of mnigs.conf: section, name, kind of value, default and a one-line description.
/// Adding a key is one line in <see cref="Keys"/> plus its property in <see cref="MnigsConfig"/>
/// and its paragraph in mnigs.conf.sample (a test checks the sample covers the table).
/// </summary>
public static class ConfigSchema
{
    private const string Nothing = "nothing";
    private const string Program = "the absolute path of a program";

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        Key("main", "name", Name, "mnigs", "Name of this node as other nodes and subscribers see it.", (c, v) => c with { Name = v }),

        Key("daemon", "rpcPort", Whole(1, 65535), "65533", "TCP port of the JSON-RPC endpoint, on IPv4 and IPv6.", (c, v) => c with { RpcPort = v }),
        Key("daemon", "scanPorts", PortList, "65533", "Ports a scan tries on each mesh node to find other Mnigs daemons.", (c, v) => c with { ScanPorts = v }),
        Key("daemon", "scanInterval", Whole(0, 86400), "600", "Seconds between periodic scans; 0 turns them off (scans then run only when asked).", (c, v) => c with { ScanInterval = v }),
        Key("daemon", "scanConcurrency", Whole(1, 256), "32", "How many hosts a scan probes at once.", (c, v) => c with { ScanConcurrency = v }),
        Key("daemon", "scanTimeout", Whole(100, 30000), "1500", "Milliseconds a scan waits for one host to answer.", (c, v) => c with { ScanTimeout = v }),
        Key("daemon", "authorizedNetworks", NetworkList, "127.0.0.0/8, ::1/128", "Networks allowed to use the local administration methods (CLI, web UI).", (c, v) => c with { AuthorizedNetworks = v }),
        Key("daemon", "stateDir", AbsolutePath("an absolute path such as /var/lib/mnigs"), "/var/lib/mnigs", "Directory for the database, keys and helper programs' state.", (c, v) => c with { StateDir = v }),
        Key("daemon", "interfacePrefix", InterfacePrefix, "mn", "Prefix of every interface Mnigs creates; leftovers with it are removed at start.", (c, v) => c with { InterfacePrefix = v }),
        Key("daemon", "routingTable", RoutingTable, "65533", "Routing table number that holds the routes Mnigs adds.", (c, v) => c with { RoutingTable = v }),
        Key("daemon", "rulePriority", Whole(1, 32000), "5300", "Priority of the first policy routing rule Mnigs adds.", (c, v) => c with { RulePriority = v }),
        Key("daemon", "logLevel", Choice(("trace", "trace"), ("debug", "debug"), ("info", "info"), ("warning", "warning"), ("error", "error")), "info", "Least severe log messages written.", (c, v) => c with { LogLevel = v }),

        Key("database", "file", AbsolutePath("an absolute path").OrEmpty("", $"{Nothing} for mnigs.db in daemon.stateDir"), "", "SQLite database file.", (c, v) => c with { DatabaseFile = v }),

        Key("gateway", "enabled", Bool, "no", "Offer this node's Internet uplink to subscribers.", (c, v) => c with { GatewayEnabled = v }),
        Key("gateway", "maxConnections", Whole(1, 65535), "32", "Most subscribers served at the same time.", (c, v) => c with { MaxConnections = v }),
        Key("gateway", "subscriberTimeout", Whole(10, 86400), "300", "Seconds a subscriber's lease lasts unless renewed.", (c, v) => c with { SubscriberTimeout = v }),
        Key("gateway", "uplink", InterfaceName.OrEmpty("", $"{Nothing} for the interface of the default route"), "", "Interface towards the Internet.", (c, v) => c with { Uplink = v }),
        Key("gateway", "dns", AddressList.OrEmpty([], $"{Nothing} for this host's own resolvers"), "", "DNS servers given to subscribers.", (c, v) => c with { GatewayDns = v }),
        Key("gateway", "onRegister", AbsolutePath(Program).OrEmpty("", Nothing), "", "Program run when a subscriber connects.", (c, v) => c with { OnRegister = v }),
        Key("gateway", "onRelease", AbsolutePath(Program).OrEmpty("", Nothing), "", "Program run when a subscriber's session ends.", (c, v) => c with { OnRelease = v }),
        Key("gateway", "payment", Choice(("free", "free"), ("voucher", "voucher")), "free", "How subscribers pay: free, or voucher (a new session reaches only the gateway's payment page until it redeems a voucher).", (c, v) => c with { GatewayPayment = v }),
        Key("gateway", "price", Price, "0", "Price per hour of a voucher suite, advertised in nodeInfo and the directory.", (c, v) => c with { PriceMicros = v }),
        Key("gateway", "priceUnit", new ConfigValueKind<string>("1 to 12 letters or digits, such as EUR", (string text, out string value, out string? hint) => { hint = null; value = text; return text.Length is >= 1 and <= 12 && text.All(char.IsAsciiLetterOrDigit); }).OrEmpty("", $"{Nothing}: the price has no unit"),
            "", "Currency unit of price, advertised with it.", (c, v) => c with { PriceUnit = v }),

        Key("subscriber", "routing", Choice(("route", SubscriberRouting.Route), ("none", SubscriberRouting.None)), "route", "route: send Internet traffic through the gateway; none: only bring the tunnel up.", (c, v) => c with { Routing = v }),
        Key("subscriber", "dns", Bool, "yes", "Use the gateway's DNS servers while connected.", (c, v) => c with { SubscriberDns = v }),
        Key("subscriber", "resolvConf", AbsolutePath("an absolute path such as /etc/resolv.conf"), "/etc/resolv.conf", "Resolver file rewritten when subscriber.dns is on.", (c, v) => c with { ResolvConf = v }),
        Key("subscriber", "onConnect", AbsolutePath(Program).OrEmpty("", Nothing), "", "Program run after connecting to a gateway.", (c, v) => c with { OnConnect = v }),
        Key("subscriber", "onDisconnect", AbsolutePath(Program).OrEmpty("", Nothing), "", "Program run after disconnecting from a gateway.", (c, v) => c with { OnDisconnect = v }),

        Key("subscriber", "autoconnect", Bool, "no", "Connect to the best gateway on start and whenever there is no connection.", (c, v) => c with { Autoconnect = v }),
        Key("subscriber", "preferredGateway", NameList.OrEmpty([], $"{Nothing}: rank by measured quality only"), "", "Gateways (names, node ids or mesh addresses) that get the traffic whenever they are healthy.", (c, v) => c with { PreferredGateways = v }),
        Key("subscriber", "maxPrice", Price, "0", "Highest price per hour accepted; 0 uses free gateways only.", (c, v) => c with { MaxPriceMicros = v }),
        Key("subscriber", "standby", Bool, "no", "Keep a second tunnel up to the runner-up gateway, so failover only changes routes.", (c, v) => c with { Standby = v }),
        Key("subscriber", "probeTarget", Address(null).OrEmpty(null, $"{Nothing} for the gateway's own tunnel address"), "", "Address probed through the tunnel to tell whether it carries traffic.", (c, v) => c with { ProbeTarget = v }),
        Key("subscriber", "probeInterval", Whole(20, 10000), "200", "Milliseconds between probes through the active and standby tunnels (also each probe's timeout).", (c, v) => c with { ProbeIntervalMs = v }),
        Key("subscriber", "missedProbes", Whole(1, 100), "3", "Probes missed in a row that make a tunnel down.", (c, v) => c with { MissedProbes = v }),
        Key("subscriber", "meshProbeInterval", Whole(100, 60000), "1000", "Milliseconds between probes over the mesh to each known gateway.", (c, v) => c with { MeshProbeIntervalMs = v }),
        Key("subscriber", "switchMargin", Whole(0, 90), "20", "Percent by which another gateway must score better before a healthy connection moves to it.", (c, v) => c with { SwitchMarginPercent = v }),
        Key("subscriber", "switchAfter", Whole(0, 3600), "30", "Seconds another gateway must stay that much better before the connection moves.", (c, v) => c with { SwitchAfterSeconds = v }),
        Key("subscriber", "preferredReturnAfter", Whole(0, 3600), "60", "Seconds a preferred gateway must be healthy before it gets the traffic back.", (c, v) => c with { PreferredReturnAfterSeconds = v }),
        Key("subscriber", "onGoingOnline", AbsolutePath(Program).OrEmpty("", Nothing), "", "Program run when this node reaches the Internet through a gateway again.", (c, v) => c with { OnGoingOnline = v }),
        Key("subscriber", "onGoingOffline", AbsolutePath(Program).OrEmpty("", Nothing), "", "Program run when this node loses the Internet (no working gateway).", (c, v) => c with { OnGoingOffline = v }),

        Key("babel", "enabled", Bool, "yes", "Use the babel mesh, through babeld's local interface.", (c, v) => c with { BabelEnabled = v }),
        Key("babel", "localPort", Whole(1, 65535), "33123", "TCP port of babeld's local interface on ::1 (babeld -G).", (c, v) => c with { BabelLocalPort = v }),
        Key("babel", "address", Address(null).OrEmpty(null, $"{Nothing} for the host route this node announces"), "", "This node's address on the babel mesh.", (c, v) => c with { BabelAddress = v }),

        Key("yggdrasil", "enabled", Bool, "no", "Use the Yggdrasil network, through yggdrasil's admin socket.", (c, v) => c with { YggdrasilEnabled = v }),
        Key("yggdrasil", "adminEndpoint", new ConfigValueKind<string>("unix:///path/to/socket or tcp://host:port", (string text, out string value, out string? hint) => { hint = null; value = text; return (text.StartsWith("unix:///", StringComparison.Ordinal) && text.Length > 8 || text.StartsWith("tcp://", StringComparison.Ordinal) && text.LastIndexOf(':') > 5) && !text.Any(char.IsControl); }),
            "unix:///var/run/yggdrasil.sock", "yggdrasil's admin socket, as its AdminListen setting says.", (c, v) => c with { YggdrasilAdminEndpoint = v }),

        Key("cjdns", "enabled", Bool, "no", "Use the cjdns network, through cjdroute's admin interface.", (c, v) => c with { CjdnsEnabled = v }),
        Key("cjdns", "config", AbsolutePath("the absolute path of cjdroute.conf").OrEmpty("", $"{Nothing}: use adminAddress, adminPort and adminPassword"), "", "cjdroute's config file, whose admin section gives the admin interface's address, port and password.", (c, v) => c with { CjdnsConfig = v }),
        Key("cjdns", "adminAddress", Address(null), "127.0.0.1", "Address of cjdroute's admin interface (its admin.bind), when config is empty.", (c, v) => c with { CjdnsAdminAddress = v! }),
        Key("cjdns", "adminPort", Whole(1, 65535), "11234", "UDP port of cjdroute's admin interface, when config is empty.", (c, v) => c with { CjdnsAdminPort = v }),
        Key("cjdns", "adminPassword", new ConfigValueKind<string>("text without control characters", (string text, out string value, out string? hint) => { hint = null; value = text; return !text.Any(char.IsControl); }).OrEmpty("", "nothing for NONE, cjdroute's default"),
            "", "Password of cjdroute's admin interface (its admin.password), when config is empty.", (c, v) => c with { CjdnsAdminPassword = v }),
        Key("cjdns", "tunnel", Bool, "yes", "Offer and use cjdns' own tunnel (IpTunnel) when cjdns is enabled.", (c, v) => c with { CjdnsTunnel = v }),
        Key("cjdns", "tunnelIpv4Subnet", Ipv4Subnet, "10.202.0.0/24", "IPv4 addresses handed to subscribers of the cjdns tunnel.", (c, v) => c with { CjdnsTunnelIpv4Subnet = v }),
        Key("cjdns", "tunnelIpv4Gateway", Address(AddressFamily.InterNetwork).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv4 address on cjdroute's TUN, a host of tunnelIpv4Subnet.", (c, v) => c with { CjdnsTunnelIpv4Gateway = v }),
        Key("cjdns", "tunnelIpv6Subnet", Ipv6Subnet.OrEmpty(null, $"{Nothing} to turn IPv6 off"), "fd6d:6e69:6774::/64", "IPv6 addresses handed to subscribers of the cjdns tunnel.", (c, v) => c with { CjdnsTunnelIpv6Subnet = v }),
        Key("cjdns", "tunnelIpv6Gateway", Address(AddressFamily.InterNetworkV6).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv6 address on cjdroute's TUN, a host of tunnelIpv6Subnet.", (c, v) => c with { CjdnsTunnelIpv6Gateway = v }),

        Key("layer2", "enabled", Bool, "no", "Use the switched segment this node is on, with no routing protocol: neighbours found by mDNS and the neighbour table.", (c, v) => c with { Layer2Enabled = v }),
        Key("layer2", "interface", InterfaceName.OrEmpty("", $"{Nothing}; required when layer2 is enabled (status says so)"), "", "The interface on the switched segment.", (c, v) => c with { Layer2Interface = v }),

        Key("olsr", "enabled", Bool, "no", "Use the OLSR mesh, through olsrd's jsoninfo plugin.", (c, v) => c with { OlsrEnabled = v }),
        Key("olsr", "jsoninfo", new ConfigValueKind<string>("an http:// URL such as http://127.0.0.1:9090", (string text, out string value, out string? hint) => { hint = null; value = text; return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttp && url.UserInfo.Length == 0 && url.Query.Length == 0 && url.Fragment.Length == 0 && !text.Any(char.IsControl); }),
            "http://127.0.0.1:9090", "Base URL of olsrd's jsoninfo plugin (its port parameter; olsrd must accept this host).", (c, v) => c with { OlsrJsonInfo = v }),

        Key("batman-adv", "enabled", Bool, "no", "Use the batman-adv mesh, through batctl (the kernel needs the batman-adv module).", (c, v) => c with { BatmanAdvEnabled = v }),
        Key("batman-adv", "meshInterface", InterfaceName, "bat0", "batman-adv's mesh interface, the one that holds this node's mesh IP address.", (c, v) => c with { BatmanAdvMeshInterface = v }),

        Key("wireguard", "enabled", Bool, "yes", "Offer and use WireGuard tunnels.", (c, v) => c with { WireGuardEnabled = v }),
        Key("wireguard", "listenPort", Whole(1, 65535), "51820", "UDP port the gateway's WireGuard interface listens on.", (c, v) => c with { WireGuardListenPort = v }),
        Key("wireguard", "ipv4Subnet", Ipv4Subnet, "10.201.0.0/24", "IPv4 addresses handed to subscribers inside the tunnel.", (c, v) => c with { WireGuardIpv4Subnet = v }),
        Key("wireguard", "ipv4Gateway", Address(AddressFamily.InterNetwork).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv4 address inside the tunnel.", (c, v) => c with { WireGuardIpv4Gateway = v }),
        Key("wireguard", "ipv6Subnet", Ipv6Subnet.OrEmpty(null, $"{Nothing} to turn IPv6 off"), "fd6d:6e69:6773::/64", "IPv6 addresses handed to subscribers inside the tunnel.", (c, v) => c with { WireGuardIpv6Subnet = v }),
        Key("wireguard", "ipv6Gateway", Address(AddressFamily.InterNetworkV6).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv6 address inside the tunnel.", (c, v) => c with { WireGuardIpv6Gateway = v }),
        Key("wireguard", "mtu", Mtu, "0", "MTU of the tunnel interface; 0 takes the mesh path's MTU less 80 bytes.", (c, v) => c with { WireGuardMtu = v }),

        Key("openvpn", "enabled", Bool, "yes", "Offer and use OpenVPN tunnels (Debian's openvpn, run by Mnigs) where openvpn is installed.", (c, v) => c with { OpenVpnEnabled = v }),
        Key("openvpn", "port", Whole(1, 65535), "1194", "UDP port the gateway's OpenVPN server listens on.", (c, v) => c with { OpenVpnPort = v }),
        Key("openvpn", "ipv4Subnet", Ipv4Subnet, "10.203.0.0/24", "IPv4 addresses handed to subscribers inside OpenVPN tunnels.", (c, v) => c with { OpenVpnIpv4Subnet = v }),
        Key("openvpn", "ipv4Gateway", Address(AddressFamily.InterNetwork).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv4 address inside OpenVPN tunnels.", (c, v) => c with { OpenVpnIpv4Gateway = v }),
        Key("openvpn", "ipv6Subnet", Ipv6Subnet.OrEmpty(null, $"{Nothing} to turn IPv6 off"), "fd6d:6e69:6775::/64", "IPv6 addresses handed to subscribers inside OpenVPN tunnels.", (c, v) => c with { OpenVpnIpv6Subnet = v }),
        Key("openvpn", "ipv6Gateway", Address(AddressFamily.InterNetworkV6).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv6 address inside OpenVPN tunnels.", (c, v) => c with { OpenVpnIpv6Gateway = v }),

        Key("ipip", "enabled", Bool, "no", "Offer and use ipip tunnels (ip6tnl over IPv6 mesh addresses): kernel tunnels, IPv4 only, neither encrypted nor authenticated.", (c, v) => c with { IpipEnabled = v }),
        Key("ipip", "ipv4Subnet", Ipv4Subnet, "10.205.0.0/24", "IPv4 addresses handed to subscribers inside ipip tunnels.", (c, v) => c with { IpipIpv4Subnet = v }),
        Key("ipip", "ipv4Gateway", Address(AddressFamily.InterNetwork).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv4 address inside ipip tunnels.", (c, v) => c with { IpipIpv4Gateway = v }),
        Key("ipip", "mtu", Mtu, "0", "MTU of the ipip links; 0 lets the kernel take the mesh route's MTU less 20 bytes (40 over IPv6).", (c, v) => c with { IpipMtu = v }),

        Key("gre", "enabled", Bool, "no", "Offer and use gre tunnels (ip6gre over IPv6 mesh addresses): kernel tunnels, neither encrypted nor authenticated.", (c, v) => c with { GreEnabled = v }),
        Key("gre", "ipv4Subnet", Ipv4Subnet, "10.206.0.0/24", "IPv4 addresses handed to subscribers inside gre tunnels.", (c, v) => c with { GreIpv4Subnet = v }),
        Key("gre", "ipv4Gateway", Address(AddressFamily.InterNetwork).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv4 address inside gre tunnels.", (c, v) => c with { GreIpv4Gateway = v }),
        Key("gre", "ipv6Subnet", Ipv6Subnet.OrEmpty(null, $"{Nothing} to turn IPv6 off"), "fd6d:6e69:6777::/64", "IPv6 addresses handed to subscribers inside gre tunnels.", (c, v) => c with { GreIpv6Subnet = v }),
        Key("gre", "ipv6Gateway", Address(AddressFamily.InterNetworkV6).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv6 address inside gre tunnels.", (c, v) => c with { GreIpv6Gateway = v }),
        Key("gre", "mtu", Mtu, "0", "MTU of the gre links; 0 lets the kernel take the mesh route's MTU less 24 bytes (44 over IPv6).", (c, v) => c with { GreMtu = v }),

        Key("softether", "enabled", Bool, "no", "Offer and use SoftEther VPN tunnels (vpnserver on the gateway, vpnclient on the subscriber, both run by Mnigs).", (c, v) => c with { SoftEtherEnabled = v }),
        Key("softether", "port", Whole(1, 65535), "5555", "TCP port the gateway's SoftEther server listens on (all addresses).", (c, v) => c with { SoftEtherPort = v }),
        Key("softether", "ipv4Subnet", Ipv4Subnet, "10.204.0.0/24", "IPv4 addresses handed to subscribers inside SoftEther tunnels.", (c, v) => c with { SoftEtherIpv4Subnet = v }),
        Key("softether", "ipv4Gateway", Address(AddressFamily.InterNetwork).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv4 address inside SoftEther tunnels.", (c, v) => c with { SoftEtherIpv4Gateway = v }),
        Key("softether", "ipv6Subnet", Ipv6Subnet.OrEmpty(null, $"{Nothing} to turn IPv6 off"), "fd6d:6e69:6776::/64", "IPv6 addresses handed to subscribers inside SoftEther tunnels.", (c, v) => c with { SoftEtherIpv6Subnet = v }),
        Key("softether", "ipv6Gateway", Address(AddressFamily.InterNetworkV6).OrEmpty(null, $"{Nothing} for the first host of the subnet"), "", "The gateway's own IPv6 address inside SoftEther tunnels.", (c, v) => c with { SoftEtherIpv6Gateway = v }),

        Key("socks", "enabled", Bool, "no", "Offer and use the socks tunnel: the subscriber's TCP goes through a SOCKS server on the gateway (danted, redsocks); IPv4 only, not encrypted on the mesh.", (c, v) => c with { SocksEnabled = v }),
        Key("socks", "port", Whole(1, 65535), "1080", "TCP port of the gateway's SOCKS server on its IPv4 mesh addresses.", (c, v) => c with { SocksPort = v }),
        Key("socks", "redirectPort", Whole(1024, 65000), "12380", "Local port of the subscriber's redsocks (TCP, and DNS on UDP); each further socks connection takes the next one.", (c, v) => c with { SocksRedirectPort = v }),

        Key("forward", "enabled", Bool, "no", "Offer and use the forward tunnel on layer2 and batman-adv networks: no tunnel, the gateway forwards only the mesh addresses of live sessions; not encrypted.", (c, v) => c with { ForwardEnabled = v }),
        Key("directory", "enabled", Bool, "yes", "Take part in the gateway directory: keep signed gateway records and exchange them with other daemons.", (c, v) => c with { DirectoryEnabled = v }),
        Key("directory", "recordLifetime", Whole(10, 3600), "600", "Seconds a published gateway record stays valid; it is re-published at half of it and on every change.", (c, v) => c with { RecordLifetime = v }),
        Key("directory", "syncInterval", Whole(1, 3600), "10", "Seconds between directory exchanges with other daemons (changes are pushed to neighbours at once).", (c, v) => c with { SyncInterval = v }),
    ];

    /// <summary>Sections in the order of <see cref="Keys"/>.</summary>
    public static IReadOnlyList<string> Sections { get; } = [.. Keys.Select(k => k.Section).Distinct()];

    private static readonly Dictionary<string, ConfigKey> ByName =
        Keys.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The key, matched case-insensitively, or null.</summary>
    public static ConfigKey? Find(string section, string key) =>
        ByName.GetValueOrDefault($"{section}.{key}");

    public static bool HasSection(string section) =>
        Sections.Contains(section, StringComparer.OrdinalIgnoreCase);

    /// <summary>Null when <paramref name="value"/> is acceptable for the key, else a plain message.</summary>
    public static string? Validate(string section, string key, string value) =>
        Find(section, key) is { } known ? known.Validate(value) : UnknownKey(section, key);

    /// <summary><c>Unknown key gateway.maxconection; did you mean gateway.maxConnections?</c></summary>
    public static string UnknownKey(string section, string key) =>
        $"Unknown key {section}.{key}{Suggest($"{section}.{key}", Keys.Select(k => k.Name))}";

    /// <summary><c>Unknown section [gatway]; did you mean [gateway]?</c></summary>
    public static string UnknownSection(string section) =>
        $"Unknown section [{section}]{Suggest(section, Sections, "[", "]")}";

    private static TypedConfigKey<T> Key<T>(string section, string key, ConfigValueKind<T> kind, string defaultText,
        string description, Func<MnigsConfig, T, MnigsConfig> apply) =>
        new(section, key, kind, defaultText, description, apply);

    private static string Suggest(string typed, IEnumerable<string> known, string open = "", string close = "")
    {
        if (typed.Length > 64)
            return "";
        var best = known.MinBy(name => Distance(typed.ToLowerInvariant(), name.ToLowerInvariant()));
        return best is not null && Distance(typed.ToLowerInvariant(), best.ToLowerInvariant()) <= Math.Max(2, typed.Length / 5)
            ? $"; did you mean {open}{best}{close}?"
            : "";
    }

    /// <summary>Levenshtein distance, for typo suggestions.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
