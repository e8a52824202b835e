using System.Net;
using System.Text;
using Mnigs.Rpc;

namespace Mnigs.Web;

/// <summary>
/// Serves the web UI (index.html at GET /, every other file at GET /ui/PATH) from the files embedded
/// in the daemon, to authorized addresses (daemon.authorizedNetworks) only, and only to requests that
/// pass <see cref="BrowserRequestCheck"/>. The pages talk to the daemon only through POST /jsonrpc.
/// </summary>
public static class WebUiEndpoint
{
    public const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'";

    public static void MapWebUi(this WebApplication app, Func<IPAddress, bool> authorized) =>
        app.MapWebUi(authorized, WebUiAsset.LoadAll(typeof(WebUiEndpoint).Assembly));

    internal static void MapWebUi(this WebApplication app, Func<IPAddress, bool> authorized, IReadOnlyDictionary<string, WebUiAsset> assets)
    {
        app.MapGet("/", (HttpContext http) => ServeAsync(http, "index.html", assets, authorized));
        app.MapGet("/ui/{**path}", (HttpContext http) =>
            ServeAsync(http, http.Request.RouteValues["path"] as string ?? "", assets, authorized));
    }

    /// <summary>Answers one GET for the UI file at <paramref name="path"/> (below wwwroot).</summary>
    internal static async Task ServeAsync(HttpContext http, string path, IReadOnlyDictionary<string, WebUiAsset> assets, Func<IPAddress, bool> authorized)
    {
        var ct = http.RequestAborted;
        var response = http.Response;
        response.Headers.CacheControl = "no-cache";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";

        var caller = CallerAddress.Of(http);
        if (!authorized(caller))
        {
            await PageAsync(http, StatusCodes.Status403Forbidden, "Not authorized",
                $"This node shows its web UI only to addresses in daemon.authorizedNetworks (in mnigs.conf), and {caller} is not one of them. "
                + "Add your network there and restart the daemon, or open the UI on the node itself.", ct);
            return;
        }
        if (BrowserRequestCheck.Refusal(http.Request) is { } refusal)
        {
            await PageAsync(http, StatusCodes.Status403Forbidden, "Refused",
                $"This request was refused: {refusal}. Open the web UI by the node's IP address, such as http://127.0.0.1:{http.Connection.LocalPort}/.", ct);
            return;
        }
        if (!assets.TryGetValue(path, out var asset))
        {
            await PageAsync(http, StatusCodes.Status404NotFound, "Not found", "The web UI has no such file.", ct);
            return;
        }

        response.Headers.ETag = asset.ETag;
        if (Matches(http.Request.Headers.IfNoneMatch, asset.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        await response.Body.WriteAsync(asset.Content, ct);
    }

    /// <summary>Whether an If-None-Match header (a list of tags, weak or strong, or *) names <paramref name="etag"/>.</summary>
    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var header in ifNoneMatch)
        {
            foreach (var raw in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
                if (tag == "*" || tag == etag)
                    return true;
            }
        }
        return false;
    }

    private static async Task PageAsync(HttpContext http, int status, string title, string text, CancellationToken ct)
    {
        var html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Mnigs: {WebUtility.HtmlEncode(title)}</title></head>
            <body><h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(text)}</p></body></html>

            """;
        var body = Encoding.UTF8.GetBytes(html);
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, ct);
    }
}
