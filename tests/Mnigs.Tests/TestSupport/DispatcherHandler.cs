using System.Net;
using Mnigs.Rpc;

namespace Mnigs.Tests.TestSupport;

/// <summary>
/// Carries <see cref="RpcClient"/> calls straight to a daemon's <see cref="RpcDispatcher"/>, as if over
/// HTTP from <paramref name="caller"/>: the daemon sees that mesh address, and the address in the URL as
/// the local address it was reached on. The dispatcher is looked up per call, so it follows a restart.
/// </summary>
internal sealed class DispatcherHandler(Func<RpcDispatcher> dispatcher, IPAddress caller) : HttpMessageHandler
{
    private readonly List<string> _methods = [];

    public IReadOnlyList<string> Methods
    {
        get
        {
            lock (_methods)
                return [.. _methods];
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        lock (_methods)
            _methods.Add(System.Text.Json.Nodes.JsonNode.Parse(body)!["method"]!.GetValue<string>());
        var local = IPAddress.Parse(request.RequestUri!.Host.Trim('[', ']'));
        var response = await dispatcher().HandleAsync(body, caller, local, cancellationToken);
        return response is null
            ? new HttpResponseMessage(HttpStatusCode.NoContent)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(response) };
    }
}
