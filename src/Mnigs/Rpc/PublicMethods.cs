using System.Text.Json.Nodes;
using Mnigs.Core.Protocol;
using Mnigs.Gateway;
using Mnigs.Networks;

namespace Mnigs.Rpc;

/// <summary>The seed's public protocol, callable by any mesh peer, plus meshNeighbours for breadth-first scans and directorySync.</summary>
public static class PublicMethods
{
    public static IEnumerable<RpcMethod> For(GatewayService gateway, NetworkMonitor networks, Discovery.DirectoryService directory) =>
    [
        new("nodeInfo", [], Admin: false, (_, _) => ValueTask.FromResult(gateway.NodeInfo())) { Serialized = gateway.NodeInfoBytes },
        new("requestConnection", ["sid", "name", "port", "method", "options"], Admin: false,
            async (call, ct) => await gateway.RequestConnectionAsync(call, ct)),
        new("renewConnection", ["sid"], Admin: false, async (call, ct) => await gateway.RenewConnectionAsync(call, ct)),
        new("releaseConnection", ["sid"], Admin: false, async (call, ct) => await gateway.ReleaseConnectionAsync(call, ct)),
        new("meshNeighbours", [], Admin: false, async (_, ct) => await MeshNeighboursAsync(networks, ct)),
        new("directorySync", ["message"], Admin: false, async (call, ct) => await directory.HandleSyncAsync(call, ct)),
    ];

    /// <summary>This node's one-hop neighbours per network, by mesh address: what the routing protocol already tells its peers.</summary>
    private static async Task<JsonObject> MeshNeighboursAsync(NetworkMonitor networks, CancellationToken ct)
    {
        var list = new JsonArray();
        foreach (var adapter in networks.Adapters)
        {
            if (networks.Snapshots.TryGetValue(adapter.Name, out var snap) && !snap.Health.Available)
                continue;
            IReadOnlyList<System.Net.IPAddress> neighbours;
            try
            {
                neighbours = await adapter.NeighbourHostsAsync(ct);
            }
            catch (IOException)
            {
                continue;
            }
            list.Add((JsonNode)new JsonObject
            {
                ["name"] = adapter.Name,
                ["neighbours"] = new JsonArray([.. neighbours.Select(a => (JsonNode)a.ToString())]),
            });
        }
        return RpcResult.Ok(new JsonObject { ["networks"] = list });
    }
}
