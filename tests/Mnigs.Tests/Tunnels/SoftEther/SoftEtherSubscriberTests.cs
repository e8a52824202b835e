using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Platform;
using Mnigs.Tests.Platform;
using Mnigs.Tests.Store;
using Mnigs.Tunnels;
using Mnigs.Tunnels.SoftEther;

namespace Mnigs.Tests.Tunnels.SoftEther;

/// <summary>The subscriber half of the softether tunnel: Mnigs' own vpnclient, one connection at a time.</summary>
public sealed class SoftEtherSubscriberTests : IDisposable
{
    private const string User = "s0123456789abcdef";
    private const string Password = "00112233445566778899aabbccddeeff";

    private readonly TempDirectory _dir = new();
    private readonly FakeVpnCmd _vpncmd = new();
    private readonly FakeServiceProcesses _services = new();
    private readonly FakeHostPlatform _platform = new();
    private readonly CapturingLogger<SoftEtherTunnel> _log = new();
    private readonly string _certificate;

    public SoftEtherSubscriberTests()
    {
        _vpncmd.Answer = Client;
        _certificate = SoftEtherCertificate.LoadOrCreate(SoftEtherGatewayTests.SharedCertificatePath).CertificatePem;
    }

    public void Dispose() => _dir.Dispose();

    private SoftEtherTunnel Tunnel(TimeSpan? wait = null) =>
        SoftEtherGatewayTests.Tunnel(_dir.Path, _vpncmd, _services, _platform, _log, wait: wait);

    private string Client(VpnCmdRun run) => run.First switch
    {
        "VersionGet" => SoftEtherFixtures.Vpncmd("client-version"),
        "AccountStatusGet mnigs" => SoftEtherFixtures.Vpncmd("client-status-established"),
        _ => FakeVpnCmd.Echo(run),
    };

    private JsonObject Reply(Action<JsonObject>? change = null)
    {
        var reply = new JsonObject
        {
            ["type"] = "softether",
            ["port"] = 5555,
            ["hub"] = "mnigs",
            ["user"] = User,
            ["password"] = Password,
            ["certificate"] = _certificate,
            ["mtu"] = 1500,
        };
        change?.Invoke(reply);
        return reply;
    }

    private static SubscriberTunnelInput Input(JsonObject reply, string gateway = "10.77.0.3", bool tunnelGateways = true) => new(
        "vpn_mnigs", "", reply, IPAddress.Parse(gateway),
        InterfaceAddress.Parse("10.204.0.2/24"), InterfaceAddress.Parse("fd6d:6e69:6776::2/64"), 1420,
        tunnelGateways ? IPAddress.Parse("10.204.0.1") : null, tunnelGateways ? IPAddress.Parse("fd6d:6e69:6776::1") : null);

    [Fact]
    public void The_tunnel_shares_one_adapter_and_asks_nothing_of_the_subscriber()
    {
        var tunnel = Tunnel();

        Assert.Equal("vpn_mnigs", tunnel.SharedSubscriberInterface);
        Assert.Equal("", tunnel.CreateKeys().Secret);
        Assert.Empty(tunnel.CreateKeys().Options);
        Assert.True(tunnel.PlanSubscriber(Input(Reply())).Ok);
        Assert.Equal(HostState.Empty, tunnel.PlanSubscriber(Input(Reply())).State);
    }

    [Theory]
    [InlineData("port", "0", "The gateway's reply has no valid SoftEther port")]
    [InlineData("hub", "\"mnigs /PASSWORD:x\"", "The gateway's reply has no valid SoftEther hub name")]
    [InlineData("user", "\"s01 /GROUP:admin\"", "The gateway's reply has no valid SoftEther user and password")]
    [InlineData("password", "\"x /TYPE:anonymous\"", "The gateway's reply has no valid SoftEther user and password")]
    [InlineData("certificate", "\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\"", "The gateway's reply has no valid SoftEther server certificate")]
    public void A_reply_whose_parts_would_not_be_plain_vpncmd_words_is_refused(string field, string json, string error)
    {
        var plan = Tunnel().PlanSubscriber(Input(Reply(r => r[field] = JsonNode.Parse(json))));

        Assert.False(plan.Ok);
        Assert.Equal(error, plan.Error);
    }

    [Fact]
    public void A_reply_without_the_gateways_tunnel_address_is_refused_for_the_routes_need_it()
    {
        var plan = Tunnel().PlanSubscriber(Input(Reply(), tunnelGateways: false));

        Assert.Equal("The gateway's reply does not name its own address inside the tunnel, which the routes need", plan.Error);
    }

    [Fact]
    public async Task Connecting_starts_a_fresh_client_sets_up_one_account_to_the_address_asked_and_addresses_its_adapter()
    {
        var tunnel = Tunnel();

        await tunnel.ConnectSubscriberAsync(Input(Reply(r => r["endpoint"] = "10.99.99.99")), CancellationToken.None);

        var client = Path.Combine(_dir.Path, "softether", "client");
        var spec = Assert.Single(_services.Started);
        Assert.Equal("softether-client", spec.Name);
        Assert.Equal("/usr/bin/vpnclient", spec.Arguments[^1]);
        var admin = _vpncmd.Runs[0].Command.Stdin!.TrimEnd('\n');
        var config = File.ReadAllText(Path.Combine(client, "db", "vpn_client.config"));
        Assert.Contains($"\tbyte EncryptedPassword {SoftEtherPasswordHash.Of(admin)}\n", config);
        Assert.Contains("\t\tbool AllowRemoteConfig false\n", config);
        Assert.Equal(_certificate, File.ReadAllText(Path.Combine(client, "gateway.cer")));
        Assert.Equal(
        [
            ["VersionGet"],
            [
                "NicCreate mnigs",
                $"AccountCreate mnigs /SERVER:10.77.0.3:5555 /HUB:mnigs /USERNAME:{User} /NICNAME:mnigs",
                $"AccountPasswordSet mnigs /PASSWORD:{Password} /TYPE:standard",
                $"AccountServerCertSet mnigs /LOADCERT:{Path.Combine(client, "gateway.cer")}",
                "AccountServerCertEnable mnigs",
                "AccountRetrySet mnigs /NUM:999 /INTERVAL:5",
                "AccountDetailSet mnigs /MAXTCP:1 /INTERVAL:1 /TTL:0 /HALF:no /BRIDGE:no /MONITOR:no /NOTRACK:yes /NOQOS:no /DISABLEUDP:yes",
                "AccountConnect mnigs",
            ],
            ["AccountStatusGet mnigs"],
        ], _vpncmd.Runs.Select(r => r.Commands));
        Assert.All(_vpncmd.Runs, r => Assert.Equal(["localhost", "/CLIENT", r.Command.Arguments[2], "/CSV"], r.Command.Arguments));
        Assert.Contains(Password, _vpncmd.Runs[1].Command.Secrets);
        Assert.DoesNotContain(_log.Lines, l => l.Contains(Password));
        Assert.Equal([InterfaceAddress.Parse("10.204.0.2/24"), InterfaceAddress.Parse("fd6d:6e69:6776::2/64")], _platform.LinkAddresses("vpn_mnigs"));
        Assert.True(_services.IsRunning("softether-client"));
    }

    [Fact]
    public async Task An_ipv6_gateway_is_named_in_brackets()
    {
        await Tunnel().ConnectSubscriberAsync(Input(Reply(), gateway: "fd77::3"), CancellationToken.None);

        Assert.Contains($"AccountCreate mnigs /SERVER:[fd77::3]:5555 /HUB:mnigs /USERNAME:{User} /NICNAME:mnigs", _vpncmd.Runs[1].Commands);
    }

    [Fact]
    public async Task A_session_that_never_comes_up_fails_with_the_clients_own_reason_and_stops_the_client()
    {
        var tunnel = Tunnel(TimeSpan.FromMilliseconds(100));
        var logs = Path.Combine(_dir.Path, "softether", "client", "log", "client_log");
        _vpncmd.Answer = run =>
        {
            if (run.First != "AccountStatusGet mnigs")
                return Client(run);
            Directory.CreateDirectory(logs);
            File.WriteAllText(Path.Combine(logs, "client_20261125.log"), SoftEtherFixtures.Text("client_log-wrong-certificate.log"));
            return SoftEtherFixtures.Vpncmd("client-status-wrong-certificate");
        };

        var e = await Assert.ThrowsAsync<IOException>(() => tunnel.ConnectSubscriberAsync(Input(Reply()), CancellationToken.None));

        Assert.StartsWith("SoftEther's client did not get a session from 10.77.0.3:5555 within 0.1 s (last status: The specified VPN Connection Setting is not connected.); "
            + "its log says: Unable to trust the certificate provided by the destination server.", e.Message);
        Assert.False(_services.IsRunning("softether-client"));
        Assert.Empty(_platform.LinkAddresses("vpn_mnigs"));
    }

    [Fact]
    public async Task Disconnecting_stops_the_client_and_the_next_connection_starts_a_new_one()
    {
        var tunnel = Tunnel();
        await tunnel.ConnectSubscriberAsync(Input(Reply()), CancellationToken.None);

        await tunnel.DisconnectSubscriberAsync(Input(Reply()), CancellationToken.None);
        var stopped = !_services.IsRunning("softether-client");
        await tunnel.ConnectSubscriberAsync(Input(Reply()), CancellationToken.None);

        Assert.True(stopped);
        Assert.Equal(2, _services.Started.Length);
        Assert.NotEqual(_vpncmd.Runs[0].Command.Stdin, _vpncmd.Runs[^1].Command.Stdin);
    }

    [Fact]
    public async Task Addresses_the_kernel_dropped_while_the_session_was_away_are_put_back()
    {
        var tunnel = Tunnel();
        await tunnel.ConnectSubscriberAsync(Input(Reply()), CancellationToken.None);

        // vpnclient set its adapter down and up again: the kernel dropped the IPv6 address.
        await _platform.SetLinkAddressesAsync("vpn_mnigs", [InterfaceAddress.Parse("10.204.0.2/24")], [IPNetwork.Parse("::/0")], CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_platform.LinkAddresses("vpn_mnigs").Count < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        await tunnel.DisconnectSubscriberAsync(Input(Reply()), CancellationToken.None);

        Assert.Equal([InterfaceAddress.Parse("10.204.0.2/24"), InterfaceAddress.Parse("fd6d:6e69:6776::2/64")], _platform.LinkAddresses("vpn_mnigs"));
    }

    [Fact]
    public void The_internet_goes_via_the_gateways_address_inside_the_tunnel()
    {
        var usual = new HostState
        {
            Routes =
            [
                new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "vpn_mnigs", Source: IPAddress.Parse("10.204.0.2")),
                new RouteSpec(IPNetwork.Parse("::/0"), "vpn_mnigs", Source: IPAddress.Parse("fd6d:6e69:6776::2")),
            ],
            Policy = new RoutingPolicy(65533, 5300),
        };

        var routed = Tunnel().RouteInternet(Input(Reply()), usual);

        Assert.Equal(
            [
                new RouteSpec(IPNetwork.Parse("0.0.0.0/0"), "vpn_mnigs", IPAddress.Parse("10.204.0.1"), IPAddress.Parse("10.204.0.2")),
                new RouteSpec(IPNetwork.Parse("::/0"), "vpn_mnigs", IPAddress.Parse("fd6d:6e69:6776::1"), IPAddress.Parse("fd6d:6e69:6776::2")),
            ], routed.Routes.ToArray());
        Assert.Equal(usual.Policy, routed.Policy);
    }
}
