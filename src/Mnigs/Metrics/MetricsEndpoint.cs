using System.Net;
using Mnigs.Rpc;

namespace Mnigs.Metrics;

/// <summary>
/// Serves <see cref="MnigsMetrics"/> at GET /metrics for a Prometheus scraper on an authorized address
/// (daemon.authorizedNetworks); a mesh peer learns nothing about this node's gateways and traffic.
/// </summary>
public static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public const string Refusal = "/metrics is for authorized addresses (daemon.authorizedNetworks)\n";

    public static void MapMetrics(this WebApplication app, MnigsMetrics metrics, Func<IPAddress, bool> authorized)
    {
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            var ct = http.RequestAborted;
            var caller = CallerAddress.Of(http);
            if (!authorized(caller))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync(Refusal, ct);
                return;
            }

            // Collected in full before the first byte goes out: a failing collection is a 500, not a truncated scrape.
            using var body = new MemoryStream();
            await metrics.ExportAsync(body, ct);
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = ContentType;
            http.Response.ContentLength = body.Length;
            await http.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), ct);
        });
    }
}
