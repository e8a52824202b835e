using System.Net;
using Mnigs.Rpc;

namespace Mnigs.Tests.TestSupport;

/// <summary>
/// A little mesh for <see cref="RpcClient"/>: calls to each registered address reach that node's
/// dispatcher, as if from <paramref name="caller"/>; an address marked dead (or never registered)
/// refuses the connection, as a host whose daemon is gone does. Every call is recorded.
/// </summary>
internal sealed class MeshHandler(IPAddress caller) : HttpMessageHandler
{
    private readonly Dictionary<IPAddress, Func<RpcDispatcher>> _nodes = [];
    private readonly HashSet<IPAddress> _dead = [];
    private readonly List<(IPAddress To, string Method)> _calls = [];

    public void Add(IPAddress address, Func<RpcDispatcher> dispatcher)
    {
        lock (_calls)
            _nodes[address] = dispatcher;
    }

    public void Kill(IPAddress address)
    {
        lock (_calls)
            _dead.Add(address);
    }

    public void Revive(IPAddress address)
    {
        lock (_calls)
            _dead.Remove(address);
    }

    public int Count(IPAddress to, string method)
    {
        lock (_calls)
            return _calls.Count(c => c.To.Equals(to) && c.Method == method);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        var to = IPAddress.Parse(request.RequestUri!.Host.Trim('[', ']'));
        Func<RpcDispatcher>? dispatcher;
        lock (_calls)
        {
            _calls.Add((to, System.Text.Json.Nodes.JsonNode.Parse(body)!["method"]!.GetValue<string>()));
            if (_dead.Contains(to) || !_nodes.TryGetValue(to, out dispatcher))
                throw new HttpRequestException($"Connection refused ({to})");
        }
        var response = await dispatcher().HandleAsync(body, caller, to, cancellationToken);
        return response is null
            ? new HttpResponseMessage(HttpStatusCode.NoContent)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(response) };
    }
}
