using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;
using Mnigs.Core.Directory;
using Mnigs.Core.Selection;
using Mnigs.Core.Suites;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Payments;

/// <summary>A subscriber daemon connected to a voucher gateway: it says payment is required, and `pay` redeems at that gateway.</summary>
public sealed class SubscriberPaymentTests : IAsyncLifetime
{
    private static readonly IPAddress GatewayMesh = IPAddress.Parse("fd00::1");
    private static readonly IPAddress SubscriberMesh = IPAddress.Parse("fd00::5");

    private DaemonRig _gw = null!;
    private DaemonRig _sub = null!;

    public async Task InitializeAsync()
    {
        var mesh = new MeshHandler(SubscriberMesh);
        _gw = await DaemonRig.StartAsync(c => c with { GatewayPayment = "voucher", PriceMicros = 250_000 });
        mesh.Add(GatewayMesh, () => _gw.Dispatcher);
        _sub = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false }, http: mesh);
    }

    public async Task DisposeAsync()
    {
        await _sub.DisposeAsync();
        await _gw.DisposeAsync();
    }

    private async Task<string> Code(string data)
    {
        var created = await _gw.CallAsync("createVouchers", new JsonObject { ["data"] = data }, IPAddress.Loopback);
        return created["vouchers"]![0]!["code"]!.GetValue<string>();
    }

    [Fact]
    public async Task Status_says_payment_is_required_with_the_page_and_pay_redeems_at_the_gateway()
    {
        var connected = await _sub.Subscriber.ConnectAsync(GatewayMesh, 65533, "babel-wireguard-voucher", CancellationToken.None);
        Assert.True(RpcWire.Success(connected), connected.ToJsonString());

        var status = await _sub.CallAsync("status", null, IPAddress.Loopback);
        var payment = status["subscriber"]!["connection"]!["payment"]!;
        Assert.True(payment["required"]!.GetValue<bool>());
        Assert.Equal("http://[fd00::1]:65533/pay", payment["page"]!.GetValue<string>());
        Assert.Contains(status["problems"]!.AsArray(), p => p!.GetValue<string>().StartsWith("Payment required by gw (fd00::1)", StringComparison.Ordinal)
            && p.GetValue<string>().Contains("http://[fd00::1]:65533/pay", StringComparison.Ordinal));

        var paid = await _sub.CallAsync("pay", new JsonObject { ["code"] = await Code("1GB") }, IPAddress.Loopback);

        Assert.True(RpcWire.Success(paid), paid.ToJsonString());
        Assert.Equal("paid", paid["payment"]!["state"]!.GetValue<string>());
        Assert.Equal(1_000_000_000, paid["payment"]!["bytesLeft"]!.GetValue<long>());
        var after = await _sub.CallAsync("status", null, IPAddress.Loopback);
        Assert.False(after["subscriber"]!["connection"]!["payment"]!["required"]!.GetValue<bool>());
        Assert.DoesNotContain(after["problems"]!.AsArray(), p => p!.GetValue<string>().StartsWith("Payment required", StringComparison.Ordinal));
        Assert.Single(_gw.Platform.Current.Firewall.Payment.Paid);
    }

    [Fact]
    public async Task A_tunnel_held_back_for_payment_is_not_online_until_paid()
    {
        _sub.Prober.SetAnswer(IPAddress.Parse("10.201.0.1"), _sub.Subscriber.InterfaceOf(0), TimeSpan.FromMilliseconds(5));
        await _sub.Autopilot.ConnectAsync(GatewayMesh, 65533, "babel-wireguard-voucher", CancellationToken.None);

        await Probe();
        Assert.False(_sub.Autopilot.Online);
        Assert.False((await _sub.CallAsync("status", null, IPAddress.Loopback))["subscriber"]!["online"]!.GetValue<bool>());

        await _sub.CallAsync("pay", new JsonObject { ["code"] = await Code("1GB") }, IPAddress.Loopback);
        await Probe();

        Assert.True(_sub.Autopilot.Online);
    }

    /// <summary>A second of tunnel probes and a decision, as the daemon's loops make them.</summary>
    private async Task Probe()
    {
        for (var i = 0; i < 5; i++)
        {
            _sub.Clock.Advance(TimeSpan.FromMilliseconds(200));
            await _sub.Autopilot.ProbeTunnelsAsync(CancellationToken.None);
        }
        await _sub.Autopilot.StepAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Pay_says_why_the_gateway_refused_and_that_a_free_or_missing_connection_needs_nothing()
    {
        var nothing = await _sub.CallAsync("pay", new JsonObject { ["code"] = "7K2M-9QXD-4F8R" }, IPAddress.Loopback);
        Assert.Equal("Not connected to a gateway: connect first (mnigs-cli -c ADDRESS)", nothing["errorMsg"]!.GetValue<string>());

        await _sub.Subscriber.ConnectAsync(GatewayMesh, 65533, "babel-wireguard-voucher", CancellationToken.None);
        var wrong = await _sub.CallAsync("pay", new JsonObject { ["code"] = "7K2M-9QXD-4F8R" }, IPAddress.Loopback);

        Assert.Equal("gw (fd00::1) refused the code: This code is not a voucher of this gateway", wrong["errorMsg"]!.GetValue<string>());
    }

    [Fact]
    public void A_subscriber_that_takes_free_gateways_only_leaves_a_voucher_gateway_out_even_at_price_zero()
    {
        var supported = new[] { new Suite("babel", "wireguard", "free"), new Suite("babel", "wireguard", "voucher") };
        var candidate = new GatewayCandidate { Id = "gw", Name = "gw", Address = GatewayMesh, Suites = [new SuiteOffer("babel-wireguard-voucher", 0)] };

        var free = new CandidateRanker(SelectionOptionsFromConfig.From(new MnigsConfig())).Rank([candidate], supported, T0);
        var paying = new CandidateRanker(SelectionOptionsFromConfig.From(new MnigsConfig { MaxPriceMicros = 1_000_000 })).Rank([candidate], supported, T0);

        var rejected = Assert.Single(free.Rejected);
        Assert.Equal(Rejection.TooExpensive, rejected.Reason);
        Assert.Equal("gw (fd00::1) asks for payment (a voucher), and subscriber.maxPrice 0 uses free gateways only", rejected.Message);
        Assert.Equal("babel-wireguard-voucher", Assert.Single(paying.Ranked).Suite.Id);
    }

    private static readonly DateTimeOffset T0 = DaemonRig.T0;
}
