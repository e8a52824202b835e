using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Config;
using Mnigs.Core.Gateway;
using Mnigs.Daemon;
using Mnigs.Gateway;
using Mnigs.Networks;
using Mnigs.Payments;
using Mnigs.Payments.Free;
using Mnigs.Platform;
using Mnigs.Rpc;
using Mnigs.Store;
using Mnigs.Subscriber;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels;

namespace Mnigs.Tests.Tunnels.Socks;

/// <summary>
/// A gateway daemon and a subscriber daemon wired as DaemonHost wires them for a tunnel that hands out no addresses
/// (socks, forward: its pools are <see cref="TunnelPools.None"/>), each on its own fake platform and fake service
/// processes, with WireGuard off. The subscriber reaches the gateway's protocol methods through its dispatcher, from
/// <see cref="SubscriberMesh"/>.
/// </summary>
internal sealed class AddresslessRig : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly IPAddress GatewayMesh = IPAddress.Parse("10.79.0.1");
    public static readonly IPAddress SubscriberMesh = IPAddress.Parse("10.79.0.11");
    public const int LeaseSeconds = 300;

    public static readonly HostFacts Facts = new(
        DefaultRouteInterface: "uplink0", KernelWireGuard: false, WireGuardGo: null, WireGuardTools: false, Nftables: true,
        SystemdResolved: false, Resolvers: [IPAddress.Parse("192.0.2.53")],
        Programs: new Dictionary<string, string> { ["danted"] = "/usr/sbin/danted", ["redsocks"] = "/usr/sbin/redsocks" });

    private readonly ScratchDirectory _dir = new("addressless");
    private readonly HttpClient _http;
    private readonly MnigsStore _gatewayStore;
    private readonly MnigsStore _subscriberStore;

    public delegate ITunnelAdapter TunnelFactory(IHostPlatform platform, IServiceProcesses services, TimeProvider time, string stateDir);

    private AddresslessRig(string network)
    {
        Network = network;
        GatewayStateDir = Path.Combine(_dir.Path, "gw");
        SubscriberStateDir = Path.Combine(_dir.Path, "sub");
        Directory.CreateDirectory(GatewayStateDir);
        Directory.CreateDirectory(SubscriberStateDir);
        _gatewayStore = MnigsStore.Open(Path.Combine(GatewayStateDir, "mnigs.db"), Clock);
        _subscriberStore = MnigsStore.Open(Path.Combine(SubscriberStateDir, "mnigs.db"), Clock);
        _http = new HttpClient(new DispatcherHandler(() => Dispatcher, SubscriberMesh));
    }

    public string Network { get; }
    public ManualTimeProvider Clock { get; } = new(T0);
    public string GatewayStateDir { get; }
    public string SubscriberStateDir { get; }

    public FakeHostPlatform GatewayPlatform { get; } = new() { Facts = Facts };
    public FakeServiceProcesses GatewayServices { get; } = new();
    public FakeHostPlatform SubscriberPlatform { get; } = new() { Facts = Facts };
    public FakeServiceProcesses SubscriberServices { get; } = new();

    public FakeNetworkAdapter GatewayNetwork { get; private set; } = null!;
    public GatewayService Gateway { get; private set; } = null!;
    public SubscriberService Subscriber { get; private set; } = null!;
    public ITunnelAdapter GatewayTunnel { get; private set; } = null!;
    public ITunnelAdapter SubscriberTunnel { get; private set; } = null!;
    public RpcDispatcher Dispatcher { get; private set; } = null!;

    /// <summary>
    /// Both daemons with <paramref name="tunnel"/> (one instance each) over <paramref name="network"/>; the gateway is
    /// on <paramref name="extraGatewayNetworks"/> as well.
    /// </summary>
    public static async Task<AddresslessRig> StartAsync(TunnelFactory tunnel, string network = "babel", params string[] extraGatewayNetworks)
    {
        var rig = new AddresslessRig(network);
        await rig.RunAsync(tunnel, extraGatewayNetworks);
        return rig;
    }

    private async Task RunAsync(TunnelFactory factory, string[] extraGatewayNetworks)
    {
        var gatewayConfig = new MnigsConfig
        {
            Name = "gw",
            GatewayEnabled = true,
            MaxConnections = 4,
            SubscriberTimeout = LeaseSeconds,
            WireGuardEnabled = false,
            StateDir = GatewayStateDir,
        };
        GatewayNetwork = new FakeNetworkAdapter(Network) { Addresses = [GatewayMesh] };
        var gatewayNetworks = new NetworkMonitor(
            [GatewayNetwork, .. extraGatewayNetworks.Select(n => new FakeNetworkAdapter(n) { Addresses = [GatewayMesh] })],
            NullLogger<NetworkMonitor>.Instance);
        await gatewayNetworks.RefreshAsync(CancellationToken.None);
        GatewayTunnel = factory(GatewayPlatform, GatewayServices, Clock, GatewayStateDir);
        var gatewayTunnels = new Dictionary<string, ITunnelAdapter> { [GatewayTunnel.Name] = GatewayTunnel };
        var payments = new Dictionary<string, IPaymentMethod> { ["free"] = new FreePayment() };
        var book = new SessionBook(new Dictionary<string, TunnelPools> { [GatewayTunnel.Name] = TunnelPools.None }, gatewayConfig.MaxConnections,
            TimeSpan.FromSeconds(LeaseSeconds), Clock, () => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        Gateway = new GatewayService(gatewayConfig, new NodeIdentity("gw", "node-id-of-gw", "0.1.0-test"), gatewayNetworks, gatewayTunnels, payments,
            book, _gatewayStore, new HostStateCoordinator(GatewayPlatform, NullLogger<HostStateCoordinator>.Instance),
            new HookRunner(NullLogger<HookRunner>.Instance), Facts, NullLogger<GatewayService>.Instance);
        await Gateway.StartAsync(Facts, CancellationToken.None);
        Dispatcher = new RpcDispatcher(
        [
            new("nodeInfo", [], Admin: false, (_, _) => ValueTask.FromResult(Gateway.NodeInfo())),
            new("requestConnection", ["sid", "name", "port", "method", "options"], Admin: false, async (call, ct) => await Gateway.RequestConnectionAsync(call, ct)),
            new("renewConnection", ["sid"], Admin: false, async (call, ct) => await Gateway.RenewConnectionAsync(call, ct)),
            new("releaseConnection", ["sid"], Admin: false, async (call, ct) => await Gateway.ReleaseConnectionAsync(call, ct)),
        ], _ => false, NullLogger<RpcDispatcher>.Instance);

        var subscriberConfig = new MnigsConfig { Name = "sub", WireGuardEnabled = false, StateDir = SubscriberStateDir, ResolvConf = Path.Combine(SubscriberStateDir, "resolv.conf") };
        var subscriberNetworks = new NetworkMonitor([new FakeNetworkAdapter(Network) { Addresses = [SubscriberMesh], Hosts = [GatewayMesh] }],
            NullLogger<NetworkMonitor>.Instance);
        await subscriberNetworks.RefreshAsync(CancellationToken.None);
        SubscriberTunnel = factory(SubscriberPlatform, SubscriberServices, Clock, SubscriberStateDir);
        Subscriber = new SubscriberService(subscriberConfig, new NodeIdentity("sub", "node-id-of-sub", "0.1.0-test"), subscriberNetworks,
            new Dictionary<string, ITunnelAdapter> { [SubscriberTunnel.Name] = SubscriberTunnel }, payments, new RpcClient(_http), _subscriberStore,
            new HostStateCoordinator(SubscriberPlatform, NullLogger<HostStateCoordinator>.Instance), SubscriberPlatform,
            new HookRunner(NullLogger<HookRunner>.Instance), Clock, NullLogger<SubscriberService>.Instance);
        await Subscriber.StartAsync(Facts, CancellationToken.None);
    }

    /// <summary>The subscriber connects to the gateway as <c>mnigs-cli -c</c> does, with the suite given or the first common one.</summary>
    public Task<JsonObject> ConnectAsync(string? suite = null) => Subscriber.ConnectAsync(GatewayMesh, 65533, suite, CancellationToken.None);

    /// <summary>A protocol call to the gateway from <paramref name="caller"/>.</summary>
    public Task<JsonObject> CallGatewayAsync(string method, JsonNode? parameters, IPAddress caller) =>
        RpcWire.CallAsync(Dispatcher, method, parameters, caller, GatewayMesh);

    /// <summary>requestConnection from another subscriber at <paramref name="caller"/>.</summary>
    public Task<JsonObject> RequestAsync(IPAddress caller, string suite) =>
        CallGatewayAsync("requestConnection", new JsonObject { ["sid"] = "other", ["name"] = "other", ["port"] = 65533, ["method"] = suite, ["options"] = new JsonObject() }, caller);

    public async ValueTask DisposeAsync()
    {
        if (Subscriber is not null)
            await Subscriber.DisposeAsync();
        await _gatewayStore.DisposeAsync();
        await _subscriberStore.DisposeAsync();
        _http.Dispose();
        _dir.Dispose();
    }
}
