using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Config;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Daemon;
using Mnigs.Discovery;
using Mnigs.Gateway;
using Mnigs.Networks;
using Mnigs.Payments;
using Mnigs.Payments.Free;
using Mnigs.Payments.Voucher;
using Mnigs.Platform;
using Mnigs.Rpc;
using Mnigs.Store;
using Mnigs.Subscriber;
using Mnigs.Subscriber.Probing;
using Mnigs.Tunnels;
using Mnigs.Tunnels.WireGuard;

namespace Mnigs.Tests.TestSupport;

/// <summary>
/// One Mnigs daemon wired exactly as <see cref="DaemonHost"/> wires it, but on a
/// <see cref="FakeHostPlatform"/>, a fake babel, a manual clock, a store in a scratch directory and
/// an HTTP client that reaches nothing. <see cref="RestartAsync"/> plays a daemon restart on the same
/// state directory (store, keys), as after a crash or an upgrade.
/// </summary>
internal sealed class DaemonRig : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The gateway's own mesh address: what subscribers reach it on.</summary>
    public static readonly IPAddress GatewayMesh = IPAddress.Parse("fd00::1");

    public static readonly HostFacts GatewayFacts = new(
        DefaultRouteInterface: "uplink0",
        KernelWireGuard: false,
        WireGuardGo: "/usr/bin/wireguard-go",
        WireGuardTools: true,
        Nftables: true,
        SystemdResolved: false,
        Resolvers: [IPAddress.Parse("192.0.2.53")]);

    private readonly ScratchDirectory _dir = new("daemon");
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stopping = new();
    private IReadOnlyList<ITunnelAdapter> _extraTunnels = [];
    private IReadOnlyDictionary<string, TunnelPools> _extraPools = new Dictionary<string, TunnelPools>();

    private DaemonRig(MnigsConfig config, HostFacts facts, HttpMessageHandler? http)
    {
        Config = config with { StateDir = _dir.Path };
        Facts = facts;
        ConfigPath = _dir.File("mnigs.conf");
        _http = new HttpClient(http ?? new NoNetworkHandler());
        Store = MnigsStore.Open(Config.DatabasePath, Clock);
        Identity = new NodeIdentity(Config.Name, "node-id-of-" + Config.Name, "0.1.0-test");
        Prober = new FakeProber(Clock);
    }

    public ManualTimeProvider Clock { get; } = new(T0);

    public MnigsConfig Config { get; }

    public HostFacts Facts { get; set; }

    public string ConfigPath { get; }

    public MnigsStore Store { get; }

    public NodeIdentity Identity { get; }

    public FakeNetworkAdapter Babel { get; } = new();

    public string GatewayPrivateKey => WireGuardKeys.LoadOrCreate(Path.Combine(Config.StateDir, "wireguard.key"));

    public string GatewayPublicKey => WireGuardKeys.PublicKeyOf(GatewayPrivateKey);

    public string GatewayInterface => InterfaceNames.For(Config.InterfacePrefix, Identity.Tag, 'g', 0);

    // What one run of the daemon holds; replaced by RestartAsync.
    public FakeHostPlatform Platform { get; private set; } = null!;
    public NetworkMonitor Networks { get; private set; } = null!;
    public IReadOnlyDictionary<string, ITunnelAdapter> Tunnels { get; private set; } = null!;
    public SessionBook Book { get; private set; } = null!;
    public GatewayService Gateway { get; private set; } = null!;
    public SubscriberService Subscriber { get; private set; } = null!;
    public Autopilot Autopilot { get; private set; } = null!;
    public KnownGateways Known { get; private set; } = null!;
    public SessionTraffic Traffic { get; private set; } = null!;
    public VoucherPayment Vouchers { get; private set; } = null!;
    public VoucherRedemption Redemption { get; private set; } = null!;

    /// <summary>Answers the autopilot's probes as the test says (unknown targets miss); survives a restart.</summary>
    public FakeProber Prober { get; }
    public Scanner Scanner { get; private set; } = null!;

    public DirectoryService Directory { get; private set; } = null!;

    public NodeKey NodeKey { get; private set; } = null!;
    public RpcDispatcher Dispatcher { get; private set; } = null!;

    /// <summary>A gateway node: gateway enabled, four subscribers at most, the default pools.</summary>
    public static Task<DaemonRig> StartAsync(Func<MnigsConfig, MnigsConfig>? configure = null, HostFacts? facts = null,
        bool babelAvailable = true, HttpMessageHandler? http = null, IReadOnlyList<ITunnelAdapter>? extraTunnels = null,
        IReadOnlyDictionary<string, TunnelPools>? extraPools = null)
    {
        var config = new MnigsConfig { Name = "gw", GatewayEnabled = true, MaxConnections = 4 };
        return StartAsync(configure?.Invoke(config) ?? config, facts ?? GatewayFacts, babelAvailable, http, extraTunnels, extraPools);
    }

    public static async Task<DaemonRig> StartAsync(MnigsConfig config, HostFacts facts, bool babelAvailable, HttpMessageHandler? http,
        IReadOnlyList<ITunnelAdapter>? extraTunnels = null, IReadOnlyDictionary<string, TunnelPools>? extraPools = null)
    {
        var rig = new DaemonRig(config, facts, http) { _extraTunnels = extraTunnels ?? [], _extraPools = extraPools ?? new Dictionary<string, TunnelPools>() };
        rig.Babel.Available = babelAvailable;
        await rig.RunAsync();
        return rig;
    }

    /// <summary>Stops this run (sessions stay in the store) and starts a new one on the same state directory.</summary>
    public async Task RestartAsync()
    {
        await Autopilot.DisposeAsync();
        await Subscriber.DisposeAsync();
        await Platform.CleanupAsync(CancellationToken.None);
        await RunAsync();
    }

    private async Task RunAsync()
    {
        var config = Config;
        Platform = new FakeHostPlatform { Facts = Facts };
        // As DaemonHost: clean first, then read the facts.
        await Platform.CleanupAsync(CancellationToken.None);
        var facts = await Platform.ReadFactsAsync(CancellationToken.None);

        Networks = new NetworkMonitor([Babel], NullLogger<NetworkMonitor>.Instance);
        await Networks.RefreshAsync(CancellationToken.None);

        var pools = new Dictionary<string, TunnelPools>();
        if (config.WireGuardEnabled)
            pools["wireguard"] = new TunnelPools(
                new AddressPool(config.WireGuardIpv4Subnet, config.WireGuardIpv4Gateway),
                config.WireGuardIpv6Subnet is { } v6 ? new AddressPool(v6, config.WireGuardIpv6Gateway) : null);
        var tunnels = new Dictionary<string, ITunnelAdapter>();
        if (config.WireGuardEnabled)
        {
            var keyPath = Path.Combine(config.StateDir, "wireguard.key");
            var gatewayKey = new Lazy<string>(() => WireGuardKeys.LoadOrCreate(keyPath));
            tunnels["wireguard"] = new WireGuardTunnel(new WireGuardOptions(
                GatewayInterface, () => gatewayKey.Value, config.WireGuardListenPort,
                pools.GetValueOrDefault("wireguard"), config.WireGuardMtu > 0 ? config.WireGuardMtu : 1420));
        }
        foreach (var extra in _extraTunnels)
            tunnels[extra.Name] = extra;
        foreach (var (tunnel, extraPools) in _extraPools)
            pools[tunnel] = extraPools;
        Tunnels = tunnels;
        Vouchers = new VoucherPayment(Store, Platform, config.RpcPort, Clock, NullLogger<VoucherPayment>.Instance);
        await Vouchers.LoadAsync(CancellationToken.None);
        var payments = new Dictionary<string, IPaymentMethod> { ["free"] = new FreePayment(), [Vouchers.Name] = Vouchers };

        var host = new HostStateCoordinator(Platform, NullLogger<HostStateCoordinator>.Instance);
        var hooks = new HookRunner(NullLogger<HookRunner>.Instance);
        Book = new SessionBook(pools, config.MaxConnections, TimeSpan.FromSeconds(config.SubscriberTimeout), Clock,
            () => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        Gateway = new GatewayService(config, Identity, Networks, tunnels, payments, Book, Store, host, hooks, facts,
            NullLogger<GatewayService>.Instance);
        var rpc = new RpcClient(_http);
        Subscriber = new SubscriberService(config, Identity, Networks, tunnels, payments, rpc, Store, host, Platform, hooks,
            Clock, NullLogger<SubscriberService>.Instance);
        Scanner = new Scanner(config, Networks, rpc, Store, Clock, NullLogger<Scanner>.Instance);

        NodeKey = NodeKey.LoadOrCreate(Path.Combine(config.StateDir, "node.key"));
        Directory = new DirectoryService(config, new NodeKeyRecords(NodeKey), Networks, Gateway, Scanner, Store, rpc, Clock,
            NullLogger<DirectoryService>.Instance);
        await Directory.LoadAsync(CancellationToken.None);

        await Gateway.StartAsync(facts, CancellationToken.None);
        await Subscriber.StartAsync(facts, CancellationToken.None);
        Known = new KnownGateways(config, Identity, Networks, Directory, Store, Clock);
        Autopilot = new Autopilot(config, Subscriber, Known.ListAsync, Known.WithdrawnSince, Prober, null, null, hooks, Clock, new Random(7),
            NullLogger<Autopilot>.Instance);

        Traffic = new SessionTraffic(Gateway, tunnels, Platform, Store, NullLogger<SessionTraffic>.Instance);
        await Traffic.LoadAsync(CancellationToken.None);

        var admin = new AdminMethods(Identity, config, ConfigPath, Networks, tunnels, () => facts, Gateway, Subscriber, Autopilot, Scanner, Directory,
            Known, Store, Clock, _stopping.Token,
            new GatewayTester(Subscriber, Known, Prober, rpc, null, Clock, NullLogger<GatewayTester>.Instance), Traffic);
        var authorized = config.AuthorizedNetworks;
        Redemption = new VoucherRedemption(Gateway, Vouchers);
        var voucherAdmin = new VoucherAdminMethods(Vouchers, Gateway, Subscriber, rpc, Identity.Name,
            () => Networks.Snapshots.Values.Where(n => n.Health.Available).SelectMany(n => n.Addresses).FirstOrDefault(), Clock);
        Dispatcher = new RpcDispatcher(PublicMethods.For(Gateway, Networks, Directory).Concat(admin.Methods)
            .Concat(Redemption.PublicMethods).Concat(voucherAdmin.Methods),
            caller => authorized.Any(n => n.Contains(caller)), NullLogger<RpcDispatcher>.Instance);
    }

    public Task<JsonObject> CallAsync(string method, JsonNode? parameters, IPAddress caller, IPAddress? local = null) =>
        RpcWire.CallAsync(Dispatcher, method, parameters, caller, local ?? GatewayMesh);

    /// <summary>requestConnection as the subscriber daemon sends it, with a fresh WireGuard key unless one is given.</summary>
    public Task<JsonObject> RequestConnectionAsync(IPAddress caller, string? publicKey = null, string suite = "babel-wireguard-free", IPAddress? local = null) =>
        CallAsync("requestConnection", new JsonObject
        {
            ["sid"] = "subscriber-node-id",
            ["name"] = "laptop",
            ["port"] = 65533,
            ["method"] = suite,
            ["options"] = new JsonObject { ["publicKey"] = publicKey ?? WireGuardKeys.Create().PublicKey },
        }, caller, local);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (Autopilot is not null)
            await Autopilot.DisposeAsync();
        if (Subscriber is not null)
            await Subscriber.DisposeAsync();
        await Store.DisposeAsync();
        _http.Dispose();
        _stopping.Dispose();
        _dir.Dispose();
    }
}
