using System.Net;

namespace Mnigs.Rpc;

/// <summary>
/// Serves the dispatcher at POST /jsonrpc with a bounded body. Admin methods are also refused to
/// requests that <see cref="Web.BrowserRequestCheck"/> refuses (cross-site, DNS rebinding).
/// </summary>
public static class RpcEndpoint
{
    public const int MaxBodyBytes = 64 * 1024;

    public static void MapJsonRpc(this WebApplication app, RpcDispatcher dispatcher)
    {
        app.MapPost("/jsonrpc", async (HttpContext http) =>
        {
            var ct = http.RequestAborted;
            var caller = http.Connection.RemoteIpAddress ?? IPAddress.None;
            if (http.Request.ContentLength > MaxBodyBytes)
            {
                await Respond(http, StatusCodes.Status413PayloadTooLarge,
                    RpcDispatcher.ErrorResponse(new(-32600, "Invalid Request: body larger than 64 KiB"), null), ct);
                return;
            }

            byte[] body;
            try
            {
                body = await ReadBody(http.Request, ct);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                await Respond(http, StatusCodes.Status413PayloadTooLarge,
                    RpcDispatcher.ErrorResponse(new(-32600, "Invalid Request: body larger than 64 KiB"), null), ct);
                return;
            }

            var response = await dispatcher.HandleAsync(body, caller, http.Connection.LocalIpAddress ?? IPAddress.None,
                Web.BrowserRequestCheck.Refusal(http.Request), ct);
            if (response is null)
            {
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            await Respond(http, StatusCodes.Status200OK, response, ct);
        });
    }

    private static async Task Respond(HttpContext http, int status, byte[] body, CancellationToken ct)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, ct);
    }

    private static async Task<byte[]> ReadBody(HttpRequest request, CancellationToken ct)
    {
        // The common case: a small body with its length announced; read exactly that, nothing more allocated.
        if (request.ContentLength is { } length and <= MaxBodyBytes)
        {
            var body = new byte[length];
            await request.Body.ReadExactlyAsync(body, ct);
            if (await request.Body.ReadAsync(new byte[1], ct) > 0)
                throw new InvalidDataException("body longer than announced");
            return body;
        }
        using var memory = new MemoryStream();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, ct)) > 0)
            {
                if (memory.Length + read > MaxBodyBytes)
                    throw new InvalidDataException("body too large");
                memory.Write(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return memory.ToArray();
    }
}
