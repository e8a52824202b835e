using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Payments;

/// <summary>
/// A gateway with <c>payment = voucher</c>, spoken to as subscribers and its operator would, on the fake platform:
/// sessions wait on the page until they redeem, the kernel gets the quotas, and what is left survives a restart.
/// </summary>
public sealed class VoucherGatewayTests : IAsyncLifetime
{
    private const string Suite = "babel-wireguard-voucher";
    private static readonly IPAddress Alice = IPAddress.Parse("fd00::a");
    private static readonly IPAddress Bob = IPAddress.Parse("fd00::b");
    private static readonly IPAddress Mallory = IPAddress.Parse("fd00::66");
    private static readonly IPAddress Operator = IPAddress.Loopback;

    private DaemonRig _rig = null!;

    public async Task InitializeAsync() =>
        _rig = await DaemonRig.StartAsync(c => c with { GatewayPayment = "voucher", PriceMicros = 500_000, PriceUnit = "EUR" });

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private PaymentFirewall Gate => _rig.Platform.Current.Firewall.Payment;

    private async Task<JsonObject> Opened(IPAddress caller)
    {
        var reply = await _rig.RequestConnectionAsync(caller, suite: Suite);
        Assert.True(RpcWire.Success(reply), reply.ToJsonString());
        return reply;
    }

    private async Task<List<string>> Vouchers(string? time, string? data, int count = 1)
    {
        var p = new JsonObject { ["count"] = count };
        if (time is not null)
            p["time"] = time;
        if (data is not null)
            p["data"] = data;
        var created = await _rig.CallAsync("createVouchers", p, Operator);
        Assert.True(RpcWire.Success(created), created.ToJsonString());
        return [.. created["vouchers"]!.AsArray().Select(v => v!["code"]!.GetValue<string>())];
    }

    private Task<JsonObject> Redeem(IPAddress caller, string sid, string code) =>
        _rig.CallAsync("redeemVoucher", new JsonObject { ["sid"] = sid, ["code"] = code }, caller);

    private async Task<JsonObject> Paid(IPAddress caller, string time = "1h", string data = "1MB")
    {
        var reply = await Opened(caller);
        var code = (await Vouchers(time, data)).Single();
        var redeemed = await Redeem(caller, Sid(reply), code);
        Assert.True(RpcWire.Success(redeemed), redeemed.ToJsonString());
        return reply;
    }

    private static string Sid(JsonObject reply) => reply["sid"]!.GetValue<string>();

    private async Task<JsonObject> Status(IPAddress caller, string sid) =>
        (await _rig.CallAsync("paymentStatus", new JsonObject { ["sid"] = sid }, caller))["payment"]!.AsObject();

    /// <summary>What the daemon's accounting loop does every 2 s.</summary>
    private async Task Account()
    {
        if (await _rig.Vouchers.AccountAsync(_rig.Gateway.Sessions, CancellationToken.None))
            await _rig.Gateway.RefreshPaymentsAsync(CancellationToken.None);
    }

    [Fact]
    public async Task NodeInfo_offers_the_voucher_suite_with_its_price_and_unit()
    {
        var info = await _rig.CallAsync("nodeInfo", null, Mallory);

        var suite = Assert.Single(info["suites"]!.AsArray())!;
        Assert.Equal(Suite, suite["id"]!.GetValue<string>());
        Assert.Equal(0.5m, suite["price"]!.GetValue<decimal>());
        Assert.Equal(500_000, suite["priceMicros"]!.GetValue<long>());
        Assert.Equal("EUR", suite["priceUnit"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_new_session_is_pending_and_the_kernel_lets_it_reach_only_the_page()
    {
        var reply = await Opened(Alice);

        var payment = reply["payment"]!;
        Assert.Equal("pending", payment["state"]!.GetValue<string>());
        Assert.Equal("http://[fd00::1]:65533/pay", payment["page"]!.GetValue<string>());
        Assert.Contains("no voucher", payment["reason"]!.GetValue<string>());
        var ipv4 = IPAddress.Parse(reply["ipv4"]!.GetValue<string>());
        var ipv6 = IPAddress.Parse(reply["ipv6"]!.GetValue<string>());
        Assert.Equal(new[] { ipv4, ipv6 }, Gate.Pending.ToArray());
        Assert.Empty(Gate.Paid);
        Assert.Equal(65533, Gate.PagePort);
        var rules = NftablesRuleset.Render(_rig.Platform.Current.Firewall);
        Assert.Contains("ip saddr @pay_all4 ip saddr != @pay_paid4 drop", rules);
        Assert.Contains("tcp dport 65533 accept", rules);
        var session = Assert.Single((await _rig.CallAsync("listSessions", null, Operator))["sessions"]!.AsArray())!;
        Assert.Equal("pending", session["payment"]!.GetValue<string>());
    }

    [Fact]
    public async Task Redeeming_a_voucher_lets_the_session_through_with_its_time_and_data_in_the_kernel()
    {
        var reply = await Opened(Alice);
        var code = (await Vouchers("1h", "1MB")).Single();

        var redeemed = await Redeem(Alice, Sid(reply), code.ToLowerInvariant());

        Assert.True(RpcWire.Success(redeemed), redeemed.ToJsonString());
        var payment = redeemed["payment"]!;
        Assert.Equal("paid", payment["state"]!.GetValue<string>());
        Assert.Equal(3600, payment["secondsLeft"]!.GetValue<long>());
        Assert.Equal(1_000_000, payment["bytesLeft"]!.GetValue<long>());
        Assert.Empty(Gate.Pending);
        var paid = Assert.Single(Gate.Paid);
        Assert.Equal(1_000_000, paid.LimitBytes);
        Assert.Equal(0, paid.UsedBytes);
        Assert.Equal(TimeSpan.FromHours(1), paid.TimeLeft);
        Assert.Contains(IPAddress.Parse(reply["ipv4"]!.GetValue<string>()), paid.Addresses);
        var session = Assert.Single((await _rig.CallAsync("listSessions", null, Operator))["sessions"]!.AsArray())!;
        Assert.Equal("paid", session["payment"]!.GetValue<string>());
        var voucher = Assert.Single((await _rig.CallAsync("listVouchers", null, Operator))["vouchers"]!.AsArray())!;
        Assert.Equal("in use", voucher["status"]!.GetValue<string>());
        Assert.Equal(Sid(reply), voucher["session"]!.GetValue<string>());
    }

    [Fact]
    public async Task Nobody_redeems_for_a_session_another_address_opened()
    {
        var reply = await Opened(Alice);
        var code = (await Vouchers("1h", null)).Single();

        var stolen = await Redeem(Mallory, Sid(reply), code);

        Assert.False(RpcWire.Success(stolen));
        Assert.Equal("This gateway has no session for your address; connect to it first", stolen["errorMsg"]!.GetValue<string>());
        Assert.Empty(Gate.Paid);
        Assert.Equal("No such session", (await _rig.CallAsync("paymentStatus", new JsonObject { ["sid"] = Sid(reply) }, Mallory))["errorMsg"]!.GetValue<string>());
    }

    [Fact]
    public async Task When_the_kernel_counted_all_the_data_the_session_goes_back_to_pending_and_says_why()
    {
        var reply = await Paid(Alice, data: "1MB");
        var quota = Assert.Single(Gate.Paid).Quota;

        _rig.Platform.SetQuotaUsed(quota, 1_000_064);
        await Account();

        var payment = await Status(Alice, Sid(reply));
        Assert.Equal("pending", payment["state"]!.GetValue<string>());
        Assert.Equal("the voucher's data (1 MB) is used up", payment["reason"]!.GetValue<string>());
        Assert.Empty(Gate.Paid);
        Assert.Equal(2, Gate.Pending.Length);
        var voucher = Assert.Single((await _rig.CallAsync("listVouchers", null, Operator))["vouchers"]!.AsArray())!;
        Assert.Equal("used up", voucher["status"]!.GetValue<string>());
        Assert.Equal(1_000_064, voucher["usedBytes"]!.GetValue<long>());
    }

    [Fact]
    public async Task When_the_voucher_time_runs_out_the_session_goes_back_to_pending_and_says_why()
    {
        var reply = await Paid(Alice, time: "10m");

        // The kernel got the ten minutes as the paid element's timeout, so it ends the session itself on time.
        Assert.Equal(TimeSpan.FromMinutes(10), Assert.Single(Gate.Paid).TimeLeft);
        _rig.Clock.Advance(TimeSpan.FromMinutes(9));
        await Account();
        var before = await Status(Alice, Sid(reply));
        Assert.Equal("paid", before["state"]!.GetValue<string>());
        Assert.Equal(60, before["secondsLeft"]!.GetValue<long>());

        _rig.Clock.Advance(TimeSpan.FromMinutes(1));
        await Account();

        var payment = await Status(Alice, Sid(reply));
        Assert.Equal("pending", payment["state"]!.GetValue<string>());
        Assert.Equal("the voucher's time (10 min) has run out", payment["reason"]!.GetValue<string>());
        Assert.Empty(Gate.Paid);
    }

    [Fact]
    public async Task A_restart_keeps_the_paid_session_and_what_its_voucher_has_left()
    {
        var reply = await Paid(Alice, data: "1MB");
        _rig.Platform.SetQuotaUsed(Assert.Single(Gate.Paid).Quota, 400_000);
        await Account();

        await _rig.RestartAsync();

        var paid = Assert.Single(Gate.Paid);
        Assert.Equal(400_000, paid.UsedBytes);
        Assert.Equal(1_000_000, paid.LimitBytes);
        var payment = await Status(Alice, Sid(reply));
        Assert.Equal("paid", payment["state"]!.GetValue<string>());
        Assert.Equal(600_000, payment["bytesLeft"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_subscriber_that_comes_back_from_its_address_keeps_what_its_voucher_has_left_and_nobody_else_gets_it()
    {
        var first = await Paid(Alice, data: "1MB");
        _rig.Platform.SetQuotaUsed(Assert.Single(Gate.Paid).Quota, 400_000);
        await Account();
        Assert.True(RpcWire.Success(await _rig.CallAsync("releaseConnection", new JsonObject { ["sid"] = Sid(first) }, Alice)));

        var stranger = await Opened(Bob);
        var back = await Opened(Alice);

        Assert.Equal("pending", stranger["payment"]!["state"]!.GetValue<string>());
        Assert.Equal("paid", back["payment"]!["state"]!.GetValue<string>());
        Assert.Equal(600_000, back["payment"]!["bytesLeft"]!.GetValue<long>());
        var paid = Assert.Single(Gate.Paid);
        Assert.Equal(400_000, paid.UsedBytes);
        Assert.Contains(IPAddress.Parse(back["ipv4"]!.GetValue<string>()), paid.Addresses);
    }

    [Fact]
    public async Task Revoking_a_voucher_sends_its_session_back_to_the_page_at_once()
    {
        var reply = await Opened(Alice);
        var code = (await Vouchers("1h", null)).Single();
        await Redeem(Alice, Sid(reply), code);

        var revoked = await _rig.CallAsync("revokeVoucher", new JsonObject { ["code"] = code }, Operator);

        Assert.True(RpcWire.Success(revoked), revoked.ToJsonString());
        Assert.Empty(Gate.Paid);
        Assert.Equal("the voucher was revoked by the gateway's operator", (await Status(Alice, Sid(reply)))["reason"]!.GetValue<string>());
        Assert.False(RpcWire.Success(await _rig.CallAsync("revokeVoucher", new JsonObject { ["code"] = "0000-0000-0000" }, Operator)));
    }

    [Fact]
    public async Task An_address_that_keeps_trying_wrong_codes_is_made_to_wait()
    {
        var reply = await Opened(Alice);
        var code = (await Vouchers("1h", null)).Single();

        for (var i = 0; i < 5; i++)
            Assert.Equal("This code is not a voucher of this gateway", (await Redeem(Alice, Sid(reply), "ZZZZ-ZZZZ-ZZZZ"))["errorMsg"]!.GetValue<string>());
        var refused = await Redeem(Alice, Sid(reply), code);

        Assert.StartsWith("Too many wrong codes from fd00::a; try again in 60 s", refused["errorMsg"]!.GetValue<string>());
        _rig.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(RpcWire.Success(await Redeem(Alice, Sid(reply), code)));
    }

    [Fact]
    public async Task Two_subscribers_redeeming_one_code_at_once_one_wins_and_the_other_is_told()
    {
        var alice = await Opened(Alice);
        var bob = await Opened(Bob);
        var code = (await Vouchers("1h", null)).Single();

        var results = await Task.WhenAll(
            Task.Run(() => Redeem(Alice, Sid(alice), code)),
            Task.Run(() => Redeem(Bob, Sid(bob), code)));

        var winner = Assert.Single(results, RpcWire.Success);
        var loser = Assert.Single(results, r => !RpcWire.Success(r));
        Assert.Equal("This voucher is in use by another session", loser["errorMsg"]!.GetValue<string>());
        Assert.Single(Gate.Paid);
        Assert.Equal(2, Gate.Pending.Length);
        Assert.Equal("paid", winner["payment"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_voucher_methods_are_for_the_operator_only()
    {
        foreach (var method in new[] { "createVouchers", "listVouchers", "revokeVoucher", "exportVouchers", "pay" })
        {
            var refused = await _rig.CallAsync(method, new JsonObject { ["code"] = "x", ["time"] = "1h" }, Mallory);
            Assert.Equal("Permission denied", refused["errorMsg"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(null, null, "A voucher needs a time (such as 1h), an amount of data (such as 1GB), or both")]
    [InlineData("1 hour", null, "'1 hour' is not a time such as 30m, 1h or 7d")]
    [InlineData(null, "lots", "'lots' is not an amount of data such as 500MB or 1GB")]
    public async Task Vouchers_that_allow_nothing_clear_are_not_made(string? time, string? data, string error)
    {
        var p = new JsonObject { ["count"] = 2, ["time"] = time, ["data"] = data };

        var refused = await _rig.CallAsync("createVouchers", p, Operator);

        Assert.Equal(error, refused["errorMsg"]!.GetValue<string>());
        Assert.Empty((await _rig.CallAsync("listVouchers", null, Operator))["vouchers"]!.AsArray());
    }

    [Fact]
    public async Task The_export_has_every_unused_code_as_csv_or_as_a_sheet_with_qr_codes_of_the_page()
    {
        var codes = await Vouchers("1h", "1GB", count: 3);
        var used = await Opened(Alice);
        await Redeem(Alice, Sid(used), codes[0]);

        var html = (await _rig.CallAsync("exportVouchers", new JsonObject { ["format"] = "html" }, Operator))["text"]!.GetValue<string>();
        var csv = (await _rig.CallAsync("exportVouchers", new JsonObject { ["format"] = "csv" }, Operator))["text"]!.GetValue<string>();
        var all = (await _rig.CallAsync("exportVouchers", new JsonObject { ["format"] = "csv", ["all"] = true }, Operator))["text"]!.GetValue<string>();

        Assert.DoesNotContain(codes[0], html);
        Assert.Contains(codes[1], html);
        Assert.Contains(codes[2], html);
        Assert.Equal(2, html.Split("<svg").Length - 1);
        Assert.Contains("http://[fd00::1]:65533/pay", html);
        Assert.Contains("1 h and 1 GB", html);
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.Equal("code,time_seconds,data_bytes,status,created_at", lines[0]);
        Assert.StartsWith(codes[1] + ",3600,1000000000,unused,", lines[1]);
        Assert.Equal(3, lines.Length);
        Assert.Contains(codes[0] + ",3600,1000000000,in use,", all);
    }
}
