using System.Collections.Immutable;
using System.Net;

namespace Mnigs.Core.Config;

/// <summary>
/// The typed view of mnigs.conf. Every key here is documented in mnigs.conf.sample and described
/// in <see cref="ConfigSchema"/>; defaults apply when the file or a key is absent.
/// </summary>
public sealed record MnigsConfig
{
    // [main]
    public string Name { get; init; } = "mnigs";

    // [daemon]
    public int RpcPort { get; init; } = 65533;
    public ImmutableArray<int> ScanPorts { get; init; } = [65533];
    public int ScanInterval { get; init; } = 600;
    public int ScanConcurrency { get; init; } = 32;
    public int ScanTimeout { get; init; } = 1500;
    public ImmutableArray<IPNetwork> AuthorizedNetworks { get; init; } =
        [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
    public string StateDir { get; init; } = "/var/lib/mnigs";
    /// <summary>Prefix of every interface Mnigs creates; a restarted daemon removes leftovers carrying it.</summary>
    public string InterfacePrefix { get; init; } = "mn";
    public int RoutingTable { get; init; } = 65533;
    public int RulePriority { get; init; } = 5300;
    public string LogLevel { get; init; } = "info";

    // [database]
    /// <summary>Empty means <c>StateDir/mnigs.db</c>.</summary>
    public string DatabaseFile { get; init; } = "";

    // [gateway]
    public bool GatewayEnabled { get; init; }
    public int MaxConnections { get; init; } = 32;
    public int SubscriberTimeout { get; init; } = 300;
    /// <summary>Empty means the interface of the main table's default route.</summary>
    public string Uplink { get; init; } = "";
    /// <summary>Empty means the gateway's own resolvers.</summary>
    public ImmutableArray<IPAddress> GatewayDns { get; init; } = [];
    public string OnRegister { get; init; } = "";
    public string OnRelease { get; init; } = "";
    /// <summary>The payment method of the suites this gateway serves: <c>free</c> or <c>voucher</c>.</summary>
    public string GatewayPayment { get; init; } = "free";
    /// <summary>Micro-units per hour advertised for a voucher suite (see Directory.SuiteOffer); free suites cost 0.</summary>
    public long PriceMicros { get; init; }
    /// <summary>Currency unit of <see cref="PriceMicros"/>; empty means none given.</summary>
    public string PriceUnit { get; init; } = "";

    // [subscriber]
    public SubscriberRouting Routing { get; init; } = SubscriberRouting.Route;
    public bool SubscriberDns { get; init; } = true;
    public string ResolvConf { get; init; } = "/etc/resolv.conf";
    public string OnConnect { get; init; } = "";
    public string OnDisconnect { get; init; } = "";
    public bool Autoconnect { get; init; }
    public ImmutableArray<string> PreferredGateways { get; init; } = [];
    /// <summary>Micro-units per hour; 0 = free gateways only.</summary>
    public long MaxPriceMicros { get; init; }
    public bool Standby { get; init; }
    /// <summary>Null means the gateway's own tunnel address.</summary>
    public IPAddress? ProbeTarget { get; init; }
    public int ProbeIntervalMs { get; init; } = 200;
    public int MissedProbes { get; init; } = 3;
    public int MeshProbeIntervalMs { get; init; } = 1000;
    public int SwitchMarginPercent { get; init; } = 20;
    public int SwitchAfterSeconds { get; init; } = 30;
    public int PreferredReturnAfterSeconds { get; init; } = 60;
    public string OnGoingOnline { get; init; } = "";
    public string OnGoingOffline { get; init; } = "";

    // [babel]
    public bool BabelEnabled { get; init; } = true;
    public int BabelLocalPort { get; init; } = 33123;
    /// <summary>Empty means the host route this node redistributes into babel.</summary>
    public IPAddress? BabelAddress { get; init; }

    // [yggdrasil]
    public bool YggdrasilEnabled { get; init; }
    /// <summary>yggdrasil's AdminListen: unix:///path or tcp://host:port.</summary>
    public string YggdrasilAdminEndpoint { get; init; } = "unix:///var/run/yggdrasil.sock";

    // [cjdns]
    public bool CjdnsEnabled { get; init; }
    /// <summary>cjdroute.conf, read for the admin interface's address, port and password; empty means the three keys below.</summary>
    public string CjdnsConfig { get; init; } = "";
    public IPAddress CjdnsAdminAddress { get; init; } = IPAddress.Loopback;
    public int CjdnsAdminPort { get; init; } = 11234;
    /// <summary>Empty means NONE, cjdroute's default. Never logged.</summary>
    public string CjdnsAdminPassword { get; init; } = "";
    /// <summary>Offer and use cjdns' IpTunnel (suite *-cjdns-*) when cjdns is enabled.</summary>
    public bool CjdnsTunnel { get; init; } = true;
    public IPNetwork CjdnsTunnelIpv4Subnet { get; init; } = IPNetwork.Parse("10.202.0.0/24");
    public IPAddress? CjdnsTunnelIpv4Gateway { get; init; }
    public IPNetwork? CjdnsTunnelIpv6Subnet { get; init; } = IPNetwork.Parse("fd6d:6e69:6774::/64");
    public IPAddress? CjdnsTunnelIpv6Gateway { get; init; }

    // [layer2]
    public bool Layer2Enabled { get; init; }
    /// <summary>The interface on the switched segment; empty (the default) leaves layer2 unavailable, and status says so.</summary>
    public string Layer2Interface { get; init; } = "";

    // [olsr]
    public bool OlsrEnabled { get; init; }
    /// <summary>Base URL of olsrd's jsoninfo plugin.</summary>
    public string OlsrJsonInfo { get; init; } = "http://127.0.0.1:9090";

    // [batman-adv]
    public bool BatmanAdvEnabled { get; init; }
    /// <summary>batman-adv's mesh interface (the soft interface that carries IP), e.g. bat0.</summary>
    public string BatmanAdvMeshInterface { get; init; } = "bat0";

    // [wireguard]
    public bool WireGuardEnabled { get; init; } = true;
    public int WireGuardListenPort { get; init; } = 51820;
    public IPNetwork WireGuardIpv4Subnet { get; init; } = IPNetwork.Parse("10.201.0.0/24");
    /// <summary>Null means the first host of the subnet.</summary>
    public IPAddress? WireGuardIpv4Gateway { get; init; }
    public IPNetwork? WireGuardIpv6Subnet { get; init; } = IPNetwork.Parse("fd6d:6e69:6773::/64");
    public IPAddress? WireGuardIpv6Gateway { get; init; }
    /// <summary>0 means from the path: the mesh MTU towards the peer less WireGuard's 80 bytes.</summary>
    public int WireGuardMtu { get; init; }

    // [openvpn]
    public bool OpenVpnEnabled { get; init; } = true;
    public int OpenVpnPort { get; init; } = 1194;
    public IPNetwork OpenVpnIpv4Subnet { get; init; } = IPNetwork.Parse("10.203.0.0/24");
    public IPAddress? OpenVpnIpv4Gateway { get; init; }
    public IPNetwork? OpenVpnIpv6Subnet { get; init; } = IPNetwork.Parse("fd6d:6e69:6775::/64");
    public IPAddress? OpenVpnIpv6Gateway { get; init; }

    // [ipip]
    public bool IpipEnabled { get; init; }
    public IPNetwork IpipIpv4Subnet { get; init; } = IPNetwork.Parse("10.205.0.0/24");
    public IPAddress? IpipIpv4Gateway { get; init; }
    /// <summary>0 means the kernel's choice (the mesh route's MTU less the tunnel's headers).</summary>
    public int IpipMtu { get; init; }

    // [gre]
    public bool GreEnabled { get; init; }
    public IPNetwork GreIpv4Subnet { get; init; } = IPNetwork.Parse("10.206.0.0/24");
    public IPAddress? GreIpv4Gateway { get; init; }
    public IPNetwork? GreIpv6Subnet { get; init; } = IPNetwork.Parse("fd6d:6e69:6777::/64");
    public IPAddress? GreIpv6Gateway { get; init; }
    public int GreMtu { get; init; }

    // [softether]
    public bool SoftEtherEnabled { get; init; }
    public int SoftEtherPort { get; init; } = 5555;
    public IPNetwork SoftEtherIpv4Subnet { get; init; } = IPNetwork.Parse("10.204.0.0/24");
    public IPAddress? SoftEtherIpv4Gateway { get; init; }
    public IPNetwork? SoftEtherIpv6Subnet { get; init; } = IPNetwork.Parse("fd6d:6e69:6776::/64");
    public IPAddress? SoftEtherIpv6Gateway { get; init; }

    // [socks]
    public bool SocksEnabled { get; init; }
    /// <summary>The gateway's SOCKS server (danted) listens on this TCP port of its IPv4 mesh addresses.</summary>
    public int SocksPort { get; init; } = 1080;
    /// <summary>First local port of the subscriber's redsocks (TCP, and its dnstc on UDP), one per open socks connection.</summary>
    public int SocksRedirectPort { get; init; } = 12380;

    // [forward]
    public bool ForwardEnabled { get; init; }

    // [directory]
    public bool DirectoryEnabled { get; init; } = true;
    public int RecordLifetime { get; init; } = 600;
    public int SyncInterval { get; init; } = 10;

    public string DatabasePath => DatabaseFile.Length > 0 ? DatabaseFile : Path.Combine(StateDir, "mnigs.db");
}

public enum SubscriberRouting { Route, None }
