using System.Globalization;
using System.Net;
using Mnigs.Rpc;

namespace Mnigs.Gateway;

/// <summary>
/// GET /speedtest?bytes=N: N bytes of zeros, for a subscriber measuring its tunnel's throughput
/// (`mnigs-cli test`). Served only to addresses this gateway handed to a current session, so a random
/// mesh node cannot use the gateway to burn its bandwidth.
/// </summary>
public static class SpeedTestEndpoint
{
    public const long DefaultBytes = 1024 * 1024;
    public const long MaxBytes = 64 * 1024 * 1024;
    public const string Refusal = "speedtest is for this gateway's subscribers\n";

    private static readonly byte[] Zeros = new byte[64 * 1024];

    public static void MapSpeedTest(this WebApplication app, Func<IPAddress, bool> isSubscriber)
    {
        app.MapGet("/speedtest", async (HttpContext http) =>
        {
            var ct = http.RequestAborted;
            var caller = CallerAddress.Of(http);
            if (!isSubscriber(caller))
            {
                await Plain(http, StatusCodes.Status403Forbidden, Refusal, ct);
                return;
            }

            var bytes = DefaultBytes;
            if (http.Request.Query.TryGetValue("bytes", out var values))
            {
                if (values.Count != 1 || !long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out bytes) || bytes > MaxBytes)
                {
                    await Plain(http, StatusCodes.Status400BadRequest, $"bytes must be a whole number from 0 to {MaxBytes}\n", ct);
                    return;
                }
            }

            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = bytes;
            http.Response.Headers.CacheControl = "no-store";
            for (var left = bytes; left > 0;)
            {
                var chunk = (int)Math.Min(left, Zeros.Length);
                await http.Response.Body.WriteAsync(Zeros.AsMemory(0, chunk), ct);
                left -= chunk;
            }
        });
    }

    private static async Task Plain(HttpContext http, int status, string text, CancellationToken ct)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text, ct);
    }
}
