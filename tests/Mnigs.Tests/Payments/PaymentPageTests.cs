using System.Net;
using System.Text.RegularExpressions;
using Mnigs.Payments.Voucher;
using Mnigs.Tests.TestSupport;
using Mnigs.Web;

namespace Mnigs.Tests.Payments;

/// <summary>
/// The payment page over real HTTP on loopback, as a subscriber's browser gets it: the caller's address is
/// 127.0.0.1, so the session under test is one the gateway opened for 127.0.0.1.
/// </summary>
public sealed partial class PaymentPageTests : IAsyncLifetime
{
    private static readonly IPAddress Browser = IPAddress.Loopback;

    private DaemonRig _rig = null!;
    private KestrelServer _server = null!;

    public async Task InitializeAsync()
    {
        _rig = await DaemonRig.StartAsync(c => c with { GatewayPayment = "voucher" });
        _server = await KestrelServer.StartAsync(app => app.MapPaymentPage(_rig.Redemption));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _rig.DisposeAsync();
    }

    private async Task<string> Code(string time = "1h", string? data = null)
    {
        var p = new System.Text.Json.Nodes.JsonObject { ["time"] = time, ["data"] = data };
        var created = await _rig.CallAsync("createVouchers", p, IPAddress.Loopback);
        return created["vouchers"]![0]!["code"]!.GetValue<string>();
    }

    private async Task Connected()
    {
        var reply = await _rig.RequestConnectionAsync(Browser, suite: "babel-wireguard-voucher");
        Assert.True(RpcWire.Success(reply), reply.ToJsonString());
    }

    private async Task<(HttpStatusCode Status, string Html)> Get(string path = "/pay")
    {
        using var response = await _server.Client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(HttpStatusCode Status, string Html)> Post(string code, string? token, string? origin = null)
    {
        var fields = new Dictionary<string, string> { ["code"] = code };
        if (token is not null)
            fields["token"] = token;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pay") { Content = new FormUrlEncodedContent(fields) };
        if (origin is not null)
            request.Headers.Add("Origin", origin);
        using var response = await _server.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> Token() => TokenField().Match((await Get()).Html).Groups[1].Value;

    [GeneratedRegex("name=\"token\" value=\"([0-9a-f]+)\"")]
    private static partial Regex TokenField();

    [Fact]
    public async Task A_browser_without_a_session_is_told_to_connect_first()
    {
        var (status, html) = await Get();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<h1>Not connected</h1>", html);
        Assert.Contains("no session for your address (127.0.0.1)", html);
    }

    [Fact]
    public async Task A_pending_session_gets_a_plain_form_with_no_script_and_strict_headers()
    {
        await Connected();

        using var response = await _server.Client.GetAsync("/pay");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<h1>Payment required</h1>", html);
        Assert.Contains("<form method=\"post\" action=\"/pay\">", html);
        Assert.Contains("no voucher has been redeemed for this session yet", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(PaymentPageEndpoint.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Redeeming_on_the_page_puts_the_session_online_and_shows_what_is_left()
    {
        await Connected();
        var code = await Code("1h", "1GB");

        var (status, html) = await Post(code, await Token());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Voucher accepted: you are online.", html);
        Assert.Contains("<h1>You are online</h1>", html);
        Assert.Contains("<dd id=\"time-left\">1 h</dd>", html);
        Assert.Contains("<dd id=\"data-left\">1 GB</dd>", html);
        Assert.Single(_rig.Platform.Current.Firewall.Payment.Paid);
        Assert.Contains("<h1>You are online</h1>", (await Get()).Html);
    }

    [Fact]
    public async Task A_wrong_code_is_refused_with_the_reason_and_the_form_again()
    {
        await Connected();

        var (status, html) = await Post("ZZZZ-ZZZZ-ZZZZ", await Token());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("This code is not a voucher of this gateway", html);
        Assert.Contains("value=\"ZZZZ-ZZZZ-ZZZZ\"", html);
        Assert.Empty(_rig.Platform.Current.Firewall.Payment.Paid);
    }

    [Fact]
    public async Task Guessing_codes_on_the_page_is_slowed_down()
    {
        await Connected();
        var token = await Token();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await Post("ZZZZ-ZZZZ-ZZZZ", token)).Status);

        var (status, html) = await Post(await Code(), token);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("Too many wrong codes", html);
    }

    [Fact]
    public async Task A_post_without_the_pages_token_or_from_another_site_redeems_nothing()
    {
        await Connected();
        var code = await Code();

        var forged = await Post(code, token: null);
        var wrong = await Post(code, token: "00112233445566778899aabbccddeeff");
        var crossSite = await Post(code, await Token(), origin: "http://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        Assert.Contains("This form has expired", forged.Html);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.Status);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.Status);
        Assert.Contains("another site", crossSite.Html);
        Assert.Empty(_rig.Platform.Current.Firewall.Payment.Paid);
    }

    [Fact]
    public async Task A_code_in_the_link_fills_the_field_and_anything_in_it_stays_text()
    {
        await Connected();

        var (_, html) = await Get("/pay?code=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        var (_, link) = await Get("/pay?code=7K2M-9QXD-4F8R");

        Assert.DoesNotContain("<script>", html);
        Assert.Contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"", html);
        Assert.Contains("value=\"7K2M-9QXD-4F8R\"", link);
    }

    [Fact]
    public async Task The_printable_sheet_is_for_the_operator_only()
    {
        var code = await Code("1h", "1GB");
        using var http = new HttpClient();
        var admin = new VoucherAdminMethods(_rig.Vouchers, _rig.Gateway, _rig.Subscriber, new Mnigs.Rpc.RpcClient(http), "gw",
            () => IPAddress.Parse("10.77.0.3"), _rig.Clock);
        await using var operatorOnly = await KestrelServer.StartAsync(app => app.MapVoucherSheet(admin, IPAddress.IsLoopback));
        await using var nobody = await KestrelServer.StartAsync(app => app.MapVoucherSheet(admin, _ => false));

        using var sheet = await operatorOnly.Client.GetAsync("/vouchers/sheet");
        using var refused = await nobody.Client.GetAsync("/vouchers/sheet");

        var html = await sheet.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, sheet.StatusCode);
        Assert.Contains(code, html);
        Assert.Contains("<svg", html);
        Assert.Contains("http://10.77.0.3:65533/pay", html);
        Assert.Equal(VoucherSheetEndpoint.ContentSecurityPolicy, sheet.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain(code, await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_free_session_is_told_it_needs_no_payment()
    {
        await using var free = await DaemonRig.StartAsync();
        await using var server = await KestrelServer.StartAsync(app => app.MapPaymentPage(free.Redemption));
        Assert.True(RpcWire.Success(await free.RequestConnectionAsync(Browser)));

        var html = await server.Client.GetStringAsync("/pay");

        Assert.Contains("<h1>No payment needed</h1>", html);
        Assert.DoesNotContain("<form", html);
    }
}
