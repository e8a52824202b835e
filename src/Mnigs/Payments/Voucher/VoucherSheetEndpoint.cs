using System.Net;
using System.Text;
using Mnigs.Rpc;
using Mnigs.Web;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// <c>GET /vouchers/sheet</c> (<c>?all=1</c> for every voucher): the printable sheet, for the web UI's Print
/// link. It shows codes, so it is served only as the admin API is: to daemon.authorizedNetworks and to requests
/// that pass <see cref="BrowserRequestCheck"/>. It has its own strict policy: inline styles and SVG, nothing else.
/// </summary>
public static class VoucherSheetEndpoint
{
    public const string Path = "/vouchers/sheet";
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'";

    public static void MapVoucherSheet(this WebApplication app, VoucherAdminMethods vouchers, Func<IPAddress, bool> authorized) =>
        app.MapGet(Path, async (HttpContext http) =>
        {
            var response = http.Response;
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers["Referrer-Policy"] = "no-referrer";
            string html;
            if (!authorized(CallerAddress.Of(http)) || BrowserRequestCheck.Refusal(http.Request) is not null)
            {
                response.StatusCode = StatusCodes.Status403Forbidden;
                html = "<!doctype html><title>Not authorized</title><p>The voucher sheet is shown only where the web UI is: on the node itself, by its IP address.</p>\n";
            }
            else
            {
                html = await vouchers.SheetAsync(http.Request.Query["all"] == "1", http.RequestAborted);
            }
            var body = Encoding.UTF8.GetBytes(html);
            response.ContentType = "text/html; charset=utf-8";
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, http.RequestAborted);
        });
}
