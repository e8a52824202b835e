using System.Net;

namespace Mnigs.Rpc;

/// <summary>Serves the dispatcher at POST /jsonrpc with a bounded body.</summary>
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
                body = await ReadBody(http.Request.Body, ct);
            }
            catch (InvalidDataException)
            {
                await Respond(http, StatusCodes.Status413PayloadTooLarge,
                    RpcDispatcher.ErrorResponse(new(-32600, "Invalid Request: body larger than 64 KiB"), null), ct);
                return;
            }

            var response = await dispatcher.HandleAsync(body, caller, http.Connection.LocalIpAddress ?? IPAddress.None, ct);
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

    private static async Task<byte[]> ReadBody(Stream stream, CancellationToken ct)
    {
        using var memory = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            if (memory.Length + read > MaxBodyBytes)
                throw new InvalidDataException("body too large");
            memory.Write(buffer, 0, read);
        }
        return memory.ToArray();
    }
}
