using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Mnigs.Core.Config;
using Mnigs.Core.Gateway;
using Mnigs.Discovery;
using Mnigs.Gateway;
using Mnigs.Metrics;
using Mnigs.Networks;
using Mnigs.Networks.Babel;
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
using Mnigs.Web;

namespace Mnigs.Daemon;

/// <summary>
/// mnigsd: loads the config, cleans what a previous run left in the kernel, then serves the protocol
/// and the admin API on daemon.rpcport (IPv4 and IPv6). Adapters are registered here, in one place.
/// </summary>
public static class DaemonHost
{
    public static string Version =>
        typeof(DaemonHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public static async Task<int> RunAsync(string? configPath, CancellationToken stop)
    {
        var loaded = ConfigFile.Load(configPath);
        if (loaded.Error is not null)
        {
            await Console.Error.WriteLineAsync(loaded.Error);
            return 2;
        }
        var config = loaded.Config!;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Started by systemd with its output to the journal (JOURNAL_STREAM set): the journal keeps the time,
        // and a <N> prefix on each line gives it the message's priority (journalctl -p warning -u mnigsd).
        if (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null)
            builder.Logging.AddSystemdConsole();
        else
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        builder.Logging.SetMinimumLevel(ParseLevel(config.LogLevel));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = RpcEndpoint.MaxBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.AddServerHeader = false;
            if (System.Net.Sockets.Socket.OSSupportsIPv6)
                k.Listen(IPAddress.IPv6Any, config.RpcPort, l => l.Protocols = HttpProtocols.Http1);
            else
                k.Listen(IPAddress.Any, config.RpcPort, l => l.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var log = loggers.CreateLogger("mnigsd");

        Directory.CreateDirectory(config.StateDir);
        using var store = MnigsStore.Open(config.DatabasePath);
        var key = NodeKey.LoadOrCreate(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(config.DatabasePath))!, "node.key"));
        var identity = new NodeIdentity(config.Name, key.NodeId, Version);
        log.LogInformation("Mnigs {Version} starting as {Name} ({Id}), config {Config}", Version, identity.Name, identity.NodeId, configPath ?? "(none)");

        using var platform = new LinuxPlatform(
            new ProcessCommandRunner(loggers.CreateLogger<ProcessCommandRunner>()),
            new PlatformOptions(config.InterfacePrefix, config.RoutingTable, config.RulePriority, config.StateDir),
            loggers.CreateLogger<LinuxPlatform>());
        // The programs tunnels run (an OpenVPN server, sockd, redsocks), with pid files so a crashed run's are ended too.
        var services = new ServiceProcesses(Path.Combine(config.StateDir, "run"), loggers.CreateLogger<ServiceProcesses>());
        // Whatever a crashed run left behind goes first, before anything is applied.
        await services.CleanupAsync(stop);
        await platform.CleanupAsync(stop);
        var facts = await platform.ReadFactsAsync(stop);

        // [layer2]: one reader of the segment's interface, shared by the adapter and the mDNS agent (run with the loops below).
        var segment = config.Layer2Enabled
            ? new Networks.Layer2.SegmentReader(new ProcessCommandRunner(loggers.CreateLogger<ProcessCommandRunner>()), config.Layer2Interface)
            : null;
        var mdns = segment is null ? null : new Networks.Layer2.Mdns.MdnsAgent(segment, new(identity.NodeId, identity.Name, config.RpcPort),
            TimeProvider.System, loggers.CreateLogger<Networks.Layer2.Mdns.MdnsAgent>());
        var networks = new NetworkMonitor(NetworkAdapters(config, loggers, segment, mdns), loggers.CreateLogger<NetworkMonitor>());
        await networks.RefreshAsync(stop);

        var pools = Pools(config);
        var tunnels = new Dictionary<string, ITunnelAdapter>();
        if (config.WireGuardEnabled)
        {
            var keyPath = Path.Combine(config.StateDir, "wireguard.key");
            var gatewayKey = new Lazy<string>(() => WireGuardKeys.LoadOrCreate(keyPath));
            tunnels["wireguard"] = new WireGuardTunnel(new WireGuardOptions(
                Core.Host.InterfaceNames.For(config.InterfacePrefix, identity.Tag, 'g', 0), () => gatewayKey.Value, config.WireGuardListenPort,
                pools.GetValueOrDefault("wireguard"), config.WireGuardMtu > 0 ? config.WireGuardMtu : 1420));
        }
        // [openvpn]: Mnigs' own openvpn server (tun g1, while there are sessions) and one client per connection.
        if (config.OpenVpnEnabled)
            tunnels["openvpn"] = new Tunnels.OpenVpn.OpenVpnTunnel(new Tunnels.OpenVpn.OpenVpnOptions(
                Core.Host.InterfaceNames.For(config.InterfacePrefix, identity.Tag, 'g', 1), Path.Combine(config.StateDir, "openvpn"),
                config.OpenVpnPort, pools.GetValueOrDefault("openvpn")), services, TimeProvider.System, loggers.CreateLogger<Tunnels.OpenVpn.OpenVpnTunnel>());
        if (config.CjdnsEnabled && config.CjdnsTunnel && networks.Adapters.OfType<Networks.Cjdns.CjdnsAdapter>().FirstOrDefault() is { } cjdns)
            tunnels["cjdns"] = new Tunnels.Cjdns.CjdnsTunnel(cjdns, platform, pools.GetValueOrDefault("cjdns"), loggers.CreateLogger<Tunnels.Cjdns.CjdnsTunnel>());
        // socks and forward hand out no tunnel addresses (their pools are TunnelPools.None): a session is its mesh address.
        if (config.SocksEnabled)
            tunnels["socks"] = new Tunnels.Socks.SocksTunnel(new Tunnels.Socks.SocksOptions(config.SocksPort, config.SocksRedirectPort,
                Path.Combine(config.StateDir, "socks"),
                Uplink: () => config.Uplink.Length > 0 ? config.Uplink : facts.DefaultRouteInterface,
                MeshAddresses: () => [.. networks.Snapshots.Values.Where(n => n.Health.Available).SelectMany(n => n.Addresses)],
                Program: program => facts.Program(program)), services, loggers.CreateLogger<Tunnels.Socks.SocksTunnel>());
        if (config.ForwardEnabled)
            tunnels["forward"] = new Tunnels.Forward.ForwardTunnel(new Tunnels.Forward.ForwardOptions(ForwardInterfaces(config)), platform, TimeProvider.System);
        // [ipip], [gre]: kernel tunnels, one gateway link per session from this node's address on the session's network;
        // both take their link names from one set (g10 to g99).
        var kernelLinks = new Tunnels.KernelTunnels.KernelTunnelNames(config.InterfacePrefix, identity.Tag);
        IReadOnlyList<IPAddress> OwnAddresses(string network) => networks.Snapshots.GetValueOrDefault(network)?.Addresses ?? [];
        if (config.IpipEnabled)
            tunnels["ipip"] = new Tunnels.KernelTunnels.KernelTunnel(new(Tunnels.KernelTunnels.KernelTunnelKind.Ipip,
                pools.GetValueOrDefault("ipip"), config.IpipMtu, kernelLinks, OwnAddresses));
        if (config.GreEnabled)
            tunnels["gre"] = new Tunnels.KernelTunnels.KernelTunnel(new(Tunnels.KernelTunnels.KernelTunnelKind.Gre,
                pools.GetValueOrDefault("gre"), config.GreMtu, kernelLinks, OwnAddresses));
        // [softether]: Mnigs' own vpnserver (gateway) and vpnclient (subscriber), in private directories under the state directory.
        if (config.SoftEtherEnabled)
            tunnels["softether"] = new Tunnels.SoftEther.SoftEtherTunnel(
                new(config.SoftEtherPort, pools.GetValueOrDefault("softether"), Path.Combine(config.StateDir, "softether")),
                services, platform, new ProcessCommandRunner(loggers.CreateLogger<ProcessCommandRunner>()), loggers.CreateLogger<Tunnels.SoftEther.SoftEtherTunnel>());
        // Every method is registered (a subscriber may pay any gateway); a gateway serves the one of gateway.payment.
        var vouchers = new VoucherPayment(store, platform, config.RpcPort, TimeProvider.System,
            loggers.CreateLogger<VoucherPayment>());
        await vouchers.LoadAsync(stop);
        var payments = new Dictionary<string, IPaymentMethod> { ["free"] = new FreePayment(), [vouchers.Name] = vouchers };

        var host = new HostStateCoordinator(platform, loggers.CreateLogger<HostStateCoordinator>());
        var hooks = new HookRunner(loggers.CreateLogger<HookRunner>());
        var book = new SessionBook(pools, config.MaxConnections, TimeSpan.FromSeconds(config.SubscriberTimeout), TimeProvider.System,
            // Session ids: 128 random bits, unguessable; bound to the caller's mesh address by the book.
            () => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        var gateway = new GatewayService(config, identity, networks, tunnels, payments, book, store, host, hooks, facts,
            loggers.CreateLogger<GatewayService>());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var rpc = new RpcClient(http);
        var subscriber = new SubscriberService(config, identity, networks, tunnels, payments, rpc, store, host, platform, hooks,
            TimeProvider.System, loggers.CreateLogger<SubscriberService>());
        var scanner = new Scanner(config, networks, rpc, store, TimeProvider.System, loggers.CreateLogger<Scanner>());

        var directory = new DirectoryService(config, new NodeKeyRecords(key), networks, gateway, scanner, store, rpc, TimeProvider.System,
            loggers.CreateLogger<DirectoryService>());
        await directory.LoadAsync(stop);
        gateway.Changed += () => _ = Task.Run(async () =>
        {
            try
            {
                await directory.PublishAsync(stop);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("Directory: publishing failed: {Error}", e.Message);
            }
        });

        await gateway.StartAsync(facts, stop);
        await subscriber.StartAsync(facts, stop);

        var known = new KnownGateways(config, identity, networks, directory, store, TimeProvider.System);
        var metrics = new MnigsMetrics(() => tunnels.Values.SelectMany(t => t.GatewayInterfaces).Concat(subscriber.Connections.Select(c => c.Interface)));
        using var prober = new IcmpProber(TimeProvider.System, loggers.CreateLogger<IcmpProber>());
        var recorder = new QualityRecorder(store, TimeProvider.System, loggers.CreateLogger<QualityRecorder>());
        await using var autopilot = new Autopilot(config, subscriber, known.ListAsync, known.WithdrawnSince, prober, recorder, metrics, hooks,
            TimeProvider.System, Random.Shared, loggers.CreateLogger<Autopilot>());
        if (gateway.NotServingReason is { } reason && config.GatewayEnabled)
            log.LogWarning("Gateway enabled but not serving: {Reason}", reason);

        var traffic = new SessionTraffic(gateway, tunnels, platform, store, loggers.CreateLogger<SessionTraffic>());
        await traffic.LoadAsync(stop);

        var admin = new AdminMethods(identity, config, configPath, networks, tunnels, () => facts, gateway, subscriber, autopilot, scanner, directory,
            known, store, TimeProvider.System, stop,
            new GatewayTester(subscriber, known, prober, rpc, null, TimeProvider.System, loggers.CreateLogger<GatewayTester>()), traffic);
        var authorized = config.AuthorizedNetworks;
        bool Authorized(IPAddress caller) => authorized.Any(n => n.Contains(caller));
        var redemption = new VoucherRedemption(gateway, vouchers);
        var voucherAdmin = new VoucherAdminMethods(vouchers, gateway, subscriber, rpc, identity.Name,
            () => networks.Snapshots.Values.Where(n => n.Health.Available).SelectMany(n => n.Addresses).FirstOrDefault(), TimeProvider.System);
        var dispatcher = new RpcDispatcher(PublicMethods.For(gateway, networks, directory).Concat(admin.Methods)
            .Concat(redemption.PublicMethods).Concat(voucherAdmin.Methods),
            Authorized, loggers.CreateLogger<RpcDispatcher>());
        app.MapJsonRpc(dispatcher);
        app.MapSpeedTest(gateway.IsSubscriberAddress);
        app.MapMetrics(metrics, Authorized);
        app.MapWebUi(Authorized);
        app.MapPaymentPage(redemption);
        app.MapVoucherSheet(voucherAdmin, Authorized);

        var loops = Task.WhenAll(
            Every(TimeSpan.FromSeconds(1), async ct =>
            {
                await gateway.ExpireAsync(ct);
                metrics.SetGatewaySessions(gateway.SessionCount);
            }, log, stop),
            autopilot.RunAsync(stop),
            Every(TimeSpan.FromSeconds(5), traffic.RefreshAsync, log, stop),
            // What the kernel's quotas counted goes to the store every 2 s; a used-up or run-out voucher sends its session back to pending.
            Every(VoucherPayment.AccountingPeriod, async ct =>
            {
                if (await vouchers.AccountAsync(gateway.Sessions, ct))
                    await gateway.RefreshPaymentsAsync(ct);
            }, log, stop),
            PeriodicScansAsync(config, scanner, log, stop),
            DirectoryRoundsAsync(config, directory, log, stop),
            mdns?.RunAsync(() => gateway.Serving, stop) ?? Task.CompletedTask,
            Every(TimeSpan.FromSeconds(5), async ct =>
            {
                var before = gateway.Suites().Count;
                await networks.RefreshAsync(ct);
                // The uplink may come or go (a DHCP lease, a cable): read the host's facts again.
                var now = await platform.ReadFactsAsync(ct);
                var uplinkChanged = now.DefaultRouteInterface != facts.DefaultRouteInterface;
                facts = now;
                subscriber.UpdateFacts(now);
                gateway.UpdateFacts(now);
                if (uplinkChanged)
                    log.LogInformation("Default route interface is now {Uplink}", now.DefaultRouteInterface ?? "(none)");
                if (uplinkChanged || gateway.Suites().Count != before)
                    await gateway.RefreshAsync(ct);
                else
                    await gateway.SyncTunnelsAsync(ct);
            }, log, stop));

        try
        {
            await app.StartAsync(stop);
        }
        catch (IOException e)
        {
            log.LogError("Cannot listen on port {Port}: {Error}", config.RpcPort, e.Message);
            await services.CleanupAsync(CancellationToken.None);
            await platform.CleanupAsync(CancellationToken.None);
            return 1;
        }
        log.LogInformation("Listening on port {Port}; gateway {State}", config.RpcPort, gateway.Serving ? "serving " + string.Join(",", gateway.Suites()) : "off");

        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }

        log.LogInformation("Stopping");
        if (config.DirectoryEnabled)
        {
            using var withdrawing = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await directory.WithdrawAsync(withdrawing.Token);
            }
            catch (Exception e)
            {
                log.LogWarning("Directory: could not withdraw: {Error}", e.Message);
            }
        }
        // The autopilot stops first, so it cannot open a tunnel while the subscriber closes them.
        await loops;
        await subscriber.DisposeAsync();
        await app.StopAsync(CancellationToken.None);
        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await gateway.StopAsync(stopping.Token);
        }
        catch (Exception e)
        {
            log.LogWarning("Could not tell the tunnels' services to stop serving: {Error}", e.Message);
        }
        // Sessions stay in the store and come back on the next start; the kernel is left as it was found.
        await services.CleanupAsync(CancellationToken.None);
        await platform.CleanupAsync(CancellationToken.None);
        return 0;
    }

    private static IReadOnlyList<INetworkAdapter> NetworkAdapters(MnigsConfig config, ILoggerFactory loggers,
        Networks.Layer2.SegmentReader? segment = null, Networks.Layer2.Mdns.MdnsAgent? mdns = null)
    {
        var list = new List<INetworkAdapter>();
        if (config.BabelEnabled)
            list.Add(new BabelAdapter(new BabelOptions(LocalPort: config.BabelLocalPort, Address: config.BabelAddress), loggers.CreateLogger<BabelAdapter>()));
        if (config.YggdrasilEnabled)
            list.Add(new Networks.Yggdrasil.YggdrasilAdapter(new Networks.Yggdrasil.YggdrasilOptions(config.YggdrasilAdminEndpoint),
                loggers.CreateLogger<Networks.Yggdrasil.YggdrasilAdapter>()));
        if (config.CjdnsEnabled)
            list.Add(new Networks.Cjdns.CjdnsAdapter(new Networks.Cjdns.CjdnsOptions(config.CjdnsConfig, config.CjdnsAdminAddress, config.CjdnsAdminPort, config.CjdnsAdminPassword),
                loggers.CreateLogger<Networks.Cjdns.CjdnsAdapter>()));
        if (config.BatmanAdvEnabled)
            list.Add(new Networks.BatmanAdv.BatmanAdvAdapter(new Networks.BatmanAdv.BatmanAdvOptions(config.BatmanAdvMeshInterface),
                new ProcessCommandRunner(loggers.CreateLogger<ProcessCommandRunner>()), loggers.CreateLogger<Networks.BatmanAdv.BatmanAdvAdapter>()));
        if (config.OlsrEnabled)
            list.Add(new Networks.Olsr.OlsrAdapter(new Networks.Olsr.OlsrOptions(config.OlsrJsonInfo), loggers.CreateLogger<Networks.Olsr.OlsrAdapter>()));
        if (config.Layer2Enabled && segment is not null && mdns is not null)
            list.Add(new Networks.Layer2.Layer2Adapter(segment, mdns, loggers.CreateLogger<Networks.Layer2.Layer2Adapter>()));
        return list;
    }

    /// <summary>The interfaces of the enabled networks the forward tunnel runs over (layer2, batman-adv).</summary>
    private static System.Collections.Immutable.ImmutableArray<string> ForwardInterfaces(MnigsConfig config)
    {
        var interfaces = new List<string>();
        if (config.Layer2Enabled && config.Layer2Interface.Length > 0)
            interfaces.Add(config.Layer2Interface);
        if (config.BatmanAdvEnabled)
            interfaces.Add(config.BatmanAdvMeshInterface);
        return [.. interfaces];
    }

    private static Dictionary<string, TunnelPools> Pools(MnigsConfig config)
    {
        var pools = new Dictionary<string, TunnelPools>();
        if (config.SocksEnabled)
            pools["socks"] = TunnelPools.None;
        if (config.ForwardEnabled)
            pools["forward"] = TunnelPools.None;
        if (config.WireGuardEnabled)
            pools["wireguard"] = new TunnelPools(
                new AddressPool(config.WireGuardIpv4Subnet, config.WireGuardIpv4Gateway),
                config.WireGuardIpv6Subnet is { } v6 ? new AddressPool(v6, config.WireGuardIpv6Gateway) : null);
        if (config.OpenVpnEnabled)
            pools["openvpn"] = new TunnelPools(
                new AddressPool(config.OpenVpnIpv4Subnet, config.OpenVpnIpv4Gateway),
                config.OpenVpnIpv6Subnet is { } o6 ? new AddressPool(o6, config.OpenVpnIpv6Gateway) : null);
        if (config.IpipEnabled)
            pools["ipip"] = new TunnelPools(new AddressPool(config.IpipIpv4Subnet, config.IpipIpv4Gateway), null);
        if (config.SoftEtherEnabled)
            pools["softether"] = new TunnelPools(
                new AddressPool(config.SoftEtherIpv4Subnet, config.SoftEtherIpv4Gateway),
                config.SoftEtherIpv6Subnet is { } s6 ? new AddressPool(s6, config.SoftEtherIpv6Gateway) : null);
        if (config.GreEnabled)
            pools["gre"] = new TunnelPools(
                new AddressPool(config.GreIpv4Subnet, config.GreIpv4Gateway),
                config.GreIpv6Subnet is { } g6 ? new AddressPool(g6, config.GreIpv6Gateway) : null);
        if (config.CjdnsEnabled && config.CjdnsTunnel)
            pools["cjdns"] = new TunnelPools(
                new AddressPool(config.CjdnsTunnelIpv4Subnet, config.CjdnsTunnelIpv4Gateway),
                config.CjdnsTunnelIpv6Subnet is { } c6 ? new AddressPool(c6, config.CjdnsTunnelIpv6Gateway) : null);
        return pools;
    }

    private static Task Every(TimeSpan period, Func<CancellationToken, Task> action, ILogger log, CancellationToken stop) =>
        PeriodicLoop.RunAsync(period, action, log, "Background task", stop);

    /// <summary>Bootstrap from the neighbours at once, then one exchange round every directory.syncInterval seconds.</summary>
    private static async Task DirectoryRoundsAsync(MnigsConfig config, DirectoryService directory, ILogger log, CancellationToken stop)
    {
        if (!config.DirectoryEnabled)
            return;
        try
        {
            await directory.PublishAsync(stop);
            await directory.BootstrapAsync(stop);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(config.SyncInterval));
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await directory.RoundAsync(stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogError(e, "Directory round failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A first scan shortly after start, then one every daemon.scanInterval seconds (0: only when asked).</summary>
    private static async Task PeriodicScansAsync(MnigsConfig config, Scanner scanner, ILogger log, CancellationToken stop)
    {
        if (config.ScanInterval <= 0)
            return;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), stop);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await scanner.Start(stop);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    // Restarted by an operator's scan; the period starts again.
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogError(e, "Periodic scan failed");
                }
                await Task.Delay(TimeSpan.FromSeconds(config.ScanInterval), stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static LogLevel ParseLevel(string level) => level switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };
}
