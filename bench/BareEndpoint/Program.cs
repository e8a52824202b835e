using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// A minimal NativeAOT Kestrel app: POST /jsonrpc answers a fixed body shaped and sized like Mnigs's
// nodeInfo answer, without parsing the request. It is the ceiling Mnigs's RPC endpoint is measured
// against. Usage: bare-endpoint [PORT] (default 65534), listening on all addresses, HTTP/1.1 only.
var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 65534;

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.IPv6Any, port, l => l.Protocols = HttpProtocols.Http1);
});

var app = builder.Build();
var answer = """
    {"jsonrpc":"2.0","result":{"success":true,"name":"bench","version":"0.1.0","id":"TSmwpuQJKHzRoncxV6BSbM7iWf016KrEsNzYXHcVTxc","gateway":false,"rpcPort":65533,"suites":[],"load":{"sessions":0,"capacity":32}},"id":1}
    """u8.ToArray();
app.MapPost("/jsonrpc", async (HttpContext http) =>
{
    http.Response.StatusCode = StatusCodes.Status200OK;
    http.Response.ContentType = "application/json";
    http.Response.ContentLength = answer.Length;
    await http.Response.Body.WriteAsync(answer, http.RequestAborted);
});
app.Run();
