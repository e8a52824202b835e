using System.Net;
using Mnigs.Rpc;

namespace Mnigs.Tests.TestSupport;

/// <summary>
/// Carries <see cref="RpcClient"/> calls straight to a daemon's <see cref="RpcDispatcher"/>, as if over
/// HTTP from <paramref name="caller"/>: the gateway sees that mesh address, and the address in the URL as
/// the local address it was reached on.
/// </summary>
internal sealed class DispatcherHandler(RpcDispatcher dispatcher, IPAddress caller) : HttpMessageHandler
{
    public List<string> Methods { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        lock (Methods)
            Methods.Add(System.Text.Json.Nodes.JsonNode.Parse(body)!["method"]!.GetValue<string>());
        var local = IPAddress.Parse(request.RequestUri!.Host.Trim('[', ']'));
        var response = await dispatcher.HandleAsync(body, caller, local, cancellationToken);
        return response is null
            ? new HttpResponseMessage(HttpStatusCode.NoContent)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(response) };
    }
}
