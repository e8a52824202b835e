using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Core.Suites;
using Mnigs.Platform;
using Mnigs.Tests.Platform;
using Mnigs.Tests.Store;
using Mnigs.Tunnels.SoftEther;

namespace Mnigs.Tests.Tunnels.SoftEther;

/// <summary>The gateway half of the softether tunnel: the vpnserver it runs and the vpncmd conversation it has with it.</summary>
public sealed class SoftEtherGatewayTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeVpnCmd _vpncmd = new();
    private readonly FakeServiceProcesses _services = new();
    private readonly FakeHostPlatform _platform = new();
    private readonly CapturingLogger<SoftEtherTunnel> _log = new();

    public SoftEtherGatewayTests() => _vpncmd.Answer = Gateway;

    public void Dispose() => _dir.Dispose();

    internal static HostFacts Installed => new(
        DefaultRouteInterface: "uplink0", KernelWireGuard: false, WireGuardGo: null, WireGuardTools: true, Nftables: true, SystemdResolved: false,
        Resolvers: [], Programs: new Dictionary<string, string>
        {
            ["vpnserver"] = "/usr/bin/vpnserver",
            ["vpnclient"] = "/usr/bin/vpnclient",
            ["vpncmd"] = "/usr/bin/vpncmd",
            ["unshare"] = "/usr/bin/unshare",
        });

    private static readonly Lazy<string> SharedCertificate = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "softether-test-gateway.pem");
        if (!File.Exists(path))
            SoftEtherCertificate.LoadOrCreate(path);
        return path;
    });

    internal static string SharedCertificatePath => SharedCertificate.Value;

    internal static TunnelPools Pools() =>
        new(new AddressPool(IPNetwork.Parse("10.204.0.0/24")), new AddressPool(IPNetwork.Parse("fd6d:6e69:6776::/64")));

    internal static SoftEtherTunnel Tunnel(string directory, FakeVpnCmd vpncmd, FakeServiceProcesses services, FakeHostPlatform platform,
        CapturingLogger<SoftEtherTunnel> log, string? tun = null, TimeSpan? wait = null)
    {
        var tunDevice = tun ?? Path.Combine(directory, "tun");
        File.WriteAllText(tunDevice, "");
        // One RSA key for every test (making one takes a while); the gateway finds it where it keeps its own.
        Directory.CreateDirectory(Path.Combine(directory, "softether"));
        File.Copy(SharedCertificate.Value, Path.Combine(directory, "softether", "gateway.pem"), overwrite: true);
        var tunnel = new SoftEtherTunnel(new SoftEtherOptions(5555, Pools(), Path.Combine(directory, "softether"), tunDevice, wait ?? TimeSpan.FromSeconds(2)),
            services, platform, vpncmd, log, TimeSpan.FromMilliseconds(1));
        tunnel.Check(Installed);
        return tunnel;
    }

    private SoftEtherTunnel Tunnel() => Tunnel(_dir.Path, _vpncmd, _services, _platform, _log);

    private static GatewaySession Session(SoftEtherTunnel tunnel, string sid, string v4)
    {
        var admission = tunnel.Admit(null, IPAddress.Parse("10.77.0.1"));
        return new GatewaySession
        {
            Sid = sid,
            MeshAddress = IPAddress.Parse("10.77.0.1"),
            Suite = new Suite("babel", "softether", "free"),
            Ipv4 = IPAddress.Parse(v4),
            TunnelState = admission.State,
            CreatedAt = DateTimeOffset.UnixEpoch,
            ExpiresAt = DateTimeOffset.UnixEpoch.AddMinutes(5),
        };
    }

    /// <summary>The server's answers: recorded transcripts for the status, set-up and view batches, an echo for changes.</summary>
    private string Gateway(VpnCmdRun run) => run.First switch
    {
        "ServerStatusGet" => SoftEtherFixtures.Vpncmd("server-status"),
        _ when run.First.StartsWith("HubCreate ", StringComparison.Ordinal) => SoftEtherFixtures.Vpncmd("server-setup"),
        _ when run.Has("UserList") => View,
        _ => FakeVpnCmd.Echo(run),
    };

    /// <summary>What the view batch (Hub, UserList, SessionList, BridgeList) answers now.</summary>
    private string View { get; set; } = SoftEtherFixtures.Vpncmd("server-view-empty");

    [Fact]
    public void Without_softether_installed_the_tunnel_says_what_to_install()
    {
        var tunnel = Tunnel();

        var health = tunnel.Check(Installed with { Programs = new Dictionary<string, string> { ["vpncmd"] = "/usr/bin/vpncmd", ["unshare"] = "/usr/bin/unshare" } });

        Assert.False(health.Available);
        Assert.Equal("SoftEther VPN is not installed: no vpnserver, vpnclient on PATH (Debian: apt-get install softether-vpnserver softether-vpnclient softether-vpncmd util-linux)", health.Message);
    }

    [Fact]
    public void Without_the_tun_device_the_tunnel_is_unavailable()
    {
        var tunnel = Tunnel();
        var missing = Path.Combine(_dir.Path, "no-tun");
        var other = new SoftEtherTunnel(new SoftEtherOptions(5555, Pools(), _dir.Path, missing), _services, _platform, _vpncmd, _log);

        Assert.True(tunnel.Check(Installed).Available);
        Assert.Equal($"no {missing}: SoftEther's virtual network adapters need the kernel's tun driver", other.Check(Installed).Message);
    }

    [Fact]
    public void Each_session_gets_a_user_of_its_own_with_a_random_password_that_the_reply_carries()
    {
        var tunnel = Tunnel();

        var a = Session(tunnel, "a", "10.204.0.2");
        var b = Session(tunnel, "b", "10.204.0.3");
        var reply = tunnel.DescribeForSubscriber(a, IPAddress.Parse("10.77.0.3"));

        Assert.Matches("^s[0-9a-f]{16}$", a.TunnelState["user"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", a.TunnelState["password"]!.GetValue<string>());
        Assert.NotEqual(a.TunnelState["password"]!.GetValue<string>(), b.TunnelState["password"]!.GetValue<string>());
        Assert.Equal(a.TunnelState["user"]!.GetValue<string>(), reply["user"]!.GetValue<string>());
        Assert.Equal(a.TunnelState["password"]!.GetValue<string>(), reply["password"]!.GetValue<string>());
        Assert.Equal(5555, reply["port"]!.GetValue<int>());
        Assert.Equal("mnigs", reply["hub"]!.GetValue<string>());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", reply["certificate"]!.GetValue<string>());
        Assert.True(SoftEtherReply.Parse(reply).Reply is not null);
        Assert.Equal(["tap_mnigs"], tunnel.GatewayInterfaces);
        Assert.Equal(HostState.Empty, tunnel.GatewayState([a, b]));
    }

    [Fact]
    public async Task The_first_session_starts_mnigs_own_vpnserver_sets_up_the_hub_adds_the_user_and_addresses_the_tap()
    {
        var tunnel = Tunnel();
        var session = Session(tunnel, "a", "10.204.0.2");
        var user = session.TunnelState["user"]!.GetValue<string>();
        var password = session.TunnelState["password"]!.GetValue<string>();

        await tunnel.SyncGatewayAsync([session], CancellationToken.None);

        var server = Path.Combine(_dir.Path, "softether", "server");
        var spec = Assert.Single(_services.Started);
        Assert.Equal("softether-server", spec.Name);
        Assert.Equal("/usr/bin/unshare", spec.Program);
        Assert.Equal(["--mount", "--", "/bin/sh", "-c", SoftEtherProcess.Script, "mnigs-softether-server",
            Path.Combine(server, "db"), Path.Combine(server, "log"), Path.Combine(server, "run"), "/usr/bin/vpnserver"], spec.Arguments.ToArray());
        var admin = _vpncmd.Runs[0].Command.Stdin!.TrimEnd('\n');
        var config = File.ReadAllText(Path.Combine(server, "db", "vpn_server.config"));
        Assert.Contains("\t\t\tuint Port 5555\n", config);
        Assert.Contains($"\t\tbyte HashedPassword {SoftEtherPasswordHash.Of(admin)}\n", config);
        Assert.Contains("\t\tbool Disabled true\n", config);

        Assert.Equal(
        [
            ["ServerStatusGet"],
            [
                "HubCreate mnigs /PASSWORD:", "Hub mnigs", "ExtOptionSet DisableUdpAcceleration /VALUE:1", "SecureNatDisable", "LogDisable packet", "LogDisable security", "GroupCreate mnigs /REALNAME:none /NOTE:none",
                "GroupPolicySet mnigs /NAME:PrivacyFilter /VALUE:yes", "GroupPolicySet mnigs /NAME:CheckIP /VALUE:yes", "GroupPolicySet mnigs /NAME:CheckIPv6 /VALUE:yes",
                "GroupPolicySet mnigs /NAME:CheckMac /VALUE:yes", "GroupPolicySet mnigs /NAME:NoBridge /VALUE:yes", "GroupPolicySet mnigs /NAME:DHCPNoServer /VALUE:yes",
                "GroupPolicySet mnigs /NAME:DHCPv6NoServer /VALUE:yes", "GroupPolicySet mnigs /NAME:RAFilter /VALUE:yes", "GroupPolicySet mnigs /NAME:MultiLogins /VALUE:1",
                "BridgeCreate mnigs /DEVICE:mnigs /TAP:yes", "Flush",
            ],
            ["Hub mnigs", "UserList", "SessionList", "BridgeList"],
            ["Hub mnigs", $"UserCreate {user} /GROUP:mnigs /REALNAME:none /NOTE:none", $"UserPasswordSet {user} /PASSWORD:{password}", "Flush"],
        ], _vpncmd.Runs.Select(r => r.Commands.Select(c => c.StartsWith("HubCreate", StringComparison.Ordinal) ? c[..c.IndexOf(':', StringComparison.Ordinal)] + ":" : c)));
        Assert.All(_vpncmd.Runs, r => Assert.Equal(["localhost:5555", "/SERVER", r.Command.Arguments[2], "/CSV"], r.Command.Arguments));
        Assert.Equal([InterfaceAddress.Parse("10.204.0.1/24"), InterfaceAddress.Parse("fd6d:6e69:6776::1/64")], _platform.LinkAddresses("tap_mnigs"));
    }

    [Fact]
    public async Task Passwords_travel_only_on_stdin_and_in_a_batch_file_only_root_reads_and_never_reach_the_log()
    {
        var tunnel = Tunnel();
        var session = Session(tunnel, "a", "10.204.0.2");
        var password = session.TunnelState["password"]!.GetValue<string>();

        await tunnel.SyncGatewayAsync([session], CancellationToken.None);

        var admin = _vpncmd.Runs[0].Command.Stdin!.TrimEnd('\n');
        Assert.All(_vpncmd.Runs, r => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, r.FileMode));
        Assert.All(_vpncmd.Runs, r => Assert.Equal(admin + "\n", r.Command.Stdin));
        Assert.DoesNotContain(_vpncmd.Runs, r => r.Command.ToString().Contains(password) || r.Command.ToString().Contains(admin));
        Assert.Contains(_vpncmd.Runs, r => r.Commands.Any(c => c.Contains(password)));
        Assert.All(_vpncmd.Runs.Where(r => r.Commands.Any(c => c.Contains(password))), r => Assert.Contains(password, r.Command.Secrets));
        Assert.NotEmpty(_log.Lines);
        Assert.DoesNotContain(_log.Lines, l => l.Contains(password) || l.Contains(admin));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "softether"), "*.in"));
    }

    [Fact]
    public async Task A_released_session_loses_its_user_and_is_disconnected_at_once_while_the_server_serves_the_others()
    {
        var tunnel = Tunnel();
        var gone = Session(tunnel, "a", "10.204.0.2") with { TunnelState = new JsonObject { ["user"] = "s0123456789abcdef", ["password"] = "00112233445566778899aabbccddeeff" } };
        var stays = Session(tunnel, "b", "10.204.0.3") with { TunnelState = new JsonObject { ["user"] = "sfedcba9876543210", ["password"] = "ffeeddccbbaa99887766554433221100" } };
        await tunnel.SyncGatewayAsync([gone, stays], CancellationToken.None);
        View = SoftEtherFixtures.Vpncmd("server-view-connected");
        var before = _vpncmd.Runs.Count;

        await tunnel.SyncGatewayAsync([stays], CancellationToken.None);

        Assert.Equal(
        [
            ["Hub mnigs", "UserList", "SessionList", "BridgeList"],
            ["Hub mnigs", "UserDelete s0123456789abcdef", "SessionDisconnect SID-S0123456789ABCDEF-3", "Flush"],
        ], _vpncmd.Runs.Skip(before).Select(r => r.Commands));
        Assert.Single(_services.Started);
        Assert.True(_services.IsRunning("softether-server"));
    }

    [Fact]
    public async Task Nothing_changes_when_the_server_already_serves_exactly_the_sessions()
    {
        var tunnel = Tunnel();
        var a = Session(tunnel, "a", "10.204.0.2") with { TunnelState = new JsonObject { ["user"] = "s0123456789abcdef", ["password"] = "00112233445566778899aabbccddeeff" } };
        var b = Session(tunnel, "b", "10.204.0.3") with { TunnelState = new JsonObject { ["user"] = "sfedcba9876543210", ["password"] = "ffeeddccbbaa99887766554433221100" } };
        await tunnel.SyncGatewayAsync([a, b], CancellationToken.None);
        View = SoftEtherFixtures.Vpncmd("server-view-connected");
        var before = _vpncmd.Runs.Count;

        await tunnel.SyncGatewayAsync([a, b], CancellationToken.None);

        Assert.Equal([["Hub mnigs", "UserList", "SessionList", "BridgeList"]], _vpncmd.Runs.Skip(before).Select(r => r.Commands));
    }

    [Fact]
    public async Task Without_sessions_the_server_stops()
    {
        var tunnel = Tunnel();
        await tunnel.SyncGatewayAsync([Session(tunnel, "a", "10.204.0.2")], CancellationToken.None);

        await tunnel.SyncGatewayAsync([], CancellationToken.None);
        var runs = _vpncmd.Runs.Count;
        await tunnel.SyncGatewayAsync([], CancellationToken.None);

        Assert.False(_services.IsRunning("softether-server"));
        Assert.Equal(runs, _vpncmd.Runs.Count);
    }

    [Fact]
    public async Task A_server_that_died_is_started_again_with_a_fresh_password_and_set_up_again()
    {
        var tunnel = Tunnel();
        var session = Session(tunnel, "a", "10.204.0.2");
        await tunnel.SyncGatewayAsync([session], CancellationToken.None);
        var firstAdmin = _vpncmd.Runs[0].Command.Stdin;
        _services.Exit("softether-server");

        await tunnel.SyncGatewayAsync([session], CancellationToken.None);

        Assert.Equal(2, _services.Started.Length);
        Assert.Equal(2, _vpncmd.Runs.Count(r => r.First.StartsWith("HubCreate ", StringComparison.Ordinal)));
        Assert.NotEqual(firstAdmin, _vpncmd.Runs[^1].Command.Stdin);
    }

    [Fact]
    public async Task A_server_that_lost_its_hub_gets_it_back()
    {
        var tunnel = Tunnel();
        var session = Session(tunnel, "a", "10.204.0.2");
        await tunnel.SyncGatewayAsync([session], CancellationToken.None);
        var views = 0;
        _vpncmd.Answer = run => run.Has("UserList") && views++ == 0 ? SoftEtherFixtures.Vpncmd("server-view-no-hub") : Gateway(run);
        var before = _vpncmd.Runs.Count;

        await tunnel.SyncGatewayAsync([session], CancellationToken.None);

        Assert.Equal(["Hub mnigs", "HubCreate", "Hub mnigs", "Hub mnigs"], _vpncmd.Runs.Skip(before).Select(r => r.First.Split(' ')[0] == "HubCreate" ? "HubCreate" : r.First));
    }

    [Fact]
    public async Task A_refused_command_fails_the_sync_with_softethers_reason_and_no_password()
    {
        var tunnel = Tunnel();
        var session = Session(tunnel, "a", "10.204.0.2");
        _vpncmd.Answer = run => run.Has("UserCreate")
            ? FakeVpnCmd.Echo(run).Replace("/NOTE:none\n", "/NOTE:none\nError occurred. (Error code: 12)\nAccess has been denied.\n", StringComparison.Ordinal)
            : Gateway(run);

        var e = await Assert.ThrowsAsync<IOException>(() => tunnel.SyncGatewayAsync([session], CancellationToken.None));

        Assert.Equal("SoftEther refused UserCreate: Access has been denied. (SoftEther error 12)", e.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_the_sync_plainly()
    {
        var tunnel = Tunnel(_dir.Path, _vpncmd, _services, _platform, _log, wait: TimeSpan.FromMilliseconds(50));
        _vpncmd.Answer = _ => SoftEtherFixtures.Vpncmd("connect-refused");

        var e = await Assert.ThrowsAsync<IOException>(() => tunnel.SyncGatewayAsync([Session(tunnel, "a", "10.204.0.2")], CancellationToken.None));

        Assert.StartsWith("vpncmd could not reach SoftEther's server: Connection to the server failed.", e.Message);
    }
}
