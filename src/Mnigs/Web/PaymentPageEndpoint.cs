using System.Net;
using System.Security.Cryptography;
using System.Text;
using Mnigs.Core.Gateway;
using Mnigs.Payments.Voucher;
using Mnigs.Rpc;

namespace Mnigs.Web;

/// <summary>
/// The gateway's payment page, <c>GET /pay</c> and <c>POST /pay</c> on the RPC port: what a subscriber's browser
/// shows while its session waits for payment. It is the one thing a pending session reaches through the
/// gateway's firewall (see Core.Host.NftablesPaymentRules), so it is plain HTML with a form: no script, no
/// other file. It acts only on the caller's own session (found by its address, <see cref="VoucherRedemption.SessionAt"/>).
/// </summary>
/// <remarks>
/// A page on another site cannot make the browser redeem for it: the form carries a token derived from the
/// session (an HMAC with a key made at start, so it cannot be computed elsewhere and changes with the session),
/// and a POST whose Origin is not the page's own, or whose Host is a name rather than an address (DNS
/// rebinding), is refused. Wrong codes are limited per address (<see cref="RedeemThrottle"/>).
/// </remarks>
public static class PaymentPageEndpoint
{
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    public const int MaxFormBytes = 4096;

    public static void MapPaymentPage(this WebApplication app, VoucherRedemption desk)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        app.MapGet(VoucherPayment.PagePath, (HttpContext http) => GetAsync(http, desk, key));
        app.MapPost(VoucherPayment.PagePath, (HttpContext http) => PostAsync(http, desk, key));
    }

    internal static Task GetAsync(HttpContext http, VoucherRedemption desk, byte[] key)
    {
        if (BrowserRequestCheck.Refusal(http.Request) is { } refusal)
            return WriteAsync(http, StatusCodes.Status403Forbidden, PaymentPageHtml.Refused(refusal));
        var caller = CallerAddress.Of(http);
        var session = desk.SessionAt(caller);
        var typed = http.Request.Query["code"].FirstOrDefault();
        return WriteAsync(http, StatusCodes.Status200OK, Render(http, desk, key, session, typed, message: null, error: null));
    }

    internal static async Task PostAsync(HttpContext http, VoucherRedemption desk, byte[] key)
    {
        var ct = http.RequestAborted;
        if (BrowserRequestCheck.Refusal(http.Request) is { } refusal)
        {
            await WriteAsync(http, StatusCodes.Status403Forbidden, PaymentPageHtml.Refused(refusal));
            return;
        }
        if (http.Request.ContentLength is null or > MaxFormBytes || !http.Request.HasFormContentType)
        {
            await WriteAsync(http, StatusCodes.Status400BadRequest, PaymentPageHtml.Refused("the form was not sent as a small HTML form"));
            return;
        }
        var form = await http.Request.ReadFormAsync(ct);
        var caller = CallerAddress.Of(http);
        var session = desk.SessionAt(caller);
        var code = form["code"].FirstOrDefault();
        if (session is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(form["token"].FirstOrDefault() ?? ""), Encoding.ASCII.GetBytes(Token(key, session))))
        {
            // The page was opened for another session (or another run of the daemon), or not from here at all.
            await WriteAsync(http, StatusCodes.Status403Forbidden,
                Render(http, desk, key, session, code, message: null, error: "This form has expired. Enter the code again."));
            return;
        }
        var (updated, _, error) = await desk.RedeemAsync(session, code, caller, ct);
        var status = error is null ? StatusCodes.Status200OK
            : error.StartsWith("Too many", StringComparison.Ordinal) ? StatusCodes.Status429TooManyRequests
            : StatusCodes.Status400BadRequest;
        await WriteAsync(http, status, Render(http, desk, key, updated ?? session, error is null ? null : code,
            message: error is null ? "Voucher accepted: you are online." : null, error: error));
    }

    /// <summary>The form token of <paramref name="session"/>: it proves the form came from this page for this session.</summary>
    internal static string Token(byte[] key, GatewaySession session) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(session.Sid)).AsSpan(0, 16));

    private static string Render(HttpContext http, VoucherRedemption desk, byte[] key, GatewaySession? session, string? typed, string? message, string? error)
    {
        if (session is null)
            return PaymentPageHtml.NoSession(CallerAddress.Of(http));
        var local = http.Connection.LocalIpAddress ?? IPAddress.Loopback;
        var payment = desk.PaymentOf(session, local);
        return PaymentPageHtml.Session(session, payment, Token(key, session), typed, message, error);
    }

    private static async Task WriteAsync(HttpContext http, int status, string html)
    {
        var response = http.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        // Not no-referrer: with it chromium sends "Origin: null" on the form's own POST, which the Origin check refuses.
        response.Headers["Referrer-Policy"] = "same-origin";
        response.ContentType = "text/html; charset=utf-8";
        var body = Encoding.UTF8.GetBytes(html);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, http.RequestAborted);
    }
}
