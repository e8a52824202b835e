using Microsoft.Data.Sqlite;
using static Mnigs.Store.StoreValues;

namespace Mnigs.Store;

// What this daemon knows of the mesh: the nodes it met and the gateways it learned of.
public sealed partial class MnigsStore
{
    private const string HintOverExisting = "(excluded.source = 'hint' AND gateways.source <> 'hint')";

    /// <summary>
    /// Inserts or updates the gateway at this address and port. The first learned_at is kept and
    /// last_seen only moves forward. A hint never overwrites what a scan or the directory said
    /// (a babel default route knows nothing of names or suites); it only refreshes last_seen.
    /// </summary>
    public Task UpsertGatewayAsync(GatewayRecord gateway, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return RunAsync(db =>
        {
            using var command = Command(db, $"""
                INSERT INTO gateways (address, port, node_id, name, suites, source, learned_at, last_seen)
                VALUES ($address, $port, $node_id, $name, $suites, $source, $learned_at, $last_seen)
                ON CONFLICT (address, port) DO UPDATE SET
                    node_id = CASE WHEN {HintOverExisting} THEN gateways.node_id ELSE excluded.node_id END,
                    name    = CASE WHEN {HintOverExisting} THEN gateways.name    ELSE excluded.name    END,
                    suites  = CASE WHEN {HintOverExisting} THEN gateways.suites  ELSE excluded.suites  END,
                    source  = CASE WHEN {HintOverExisting} THEN gateways.source  ELSE excluded.source  END,
                    learned_at = min(gateways.learned_at, excluded.learned_at),
                    last_seen  = max(gateways.last_seen, excluded.last_seen)
                """)
                .With("$address", Text(gateway.Address))
                .With("$port", gateway.Port)
                .With("$node_id", Text(gateway.NodeId))
                .With("$name", gateway.Name)
                .With("$suites", JsonStrings(gateway.Suites.Select(s => s.Id)))
                .With("$source", Text(gateway.Source))
                .With("$learned_at", Millis(gateway.LearnedAt))
                .With("$last_seen", Millis(gateway.LastSeen));
            command.ExecuteNonQuery();
        }, ct);
    }

    /// <summary>Every known gateway, most recently seen first.</summary>
    public Task<IReadOnlyList<GatewayRecord>> ListGatewaysAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<GatewayRecord>>(db =>
        {
            using var command = Command(db, """
                SELECT address, port, node_id, name, suites, source, learned_at, last_seen
                FROM gateways ORDER BY last_seen DESC, address, port
                """);
            using var r = command.ExecuteReader();
            var gateways = new List<GatewayRecord>();
            while (r.Read())
                gateways.Add(ReadGateway(r));
            return gateways;
        }, ct);

    /// <summary>Inserts or updates a node; the first first_seen is kept and last_seen only moves forward.</summary>
    public Task UpsertNodeAsync(NodeRecord node, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        return RunAsync(db =>
        {
            using var command = Command(db, """
                INSERT INTO nodes (id, name, addresses, rpc_port, first_seen, last_seen)
                VALUES ($id, $name, $addresses, $rpc_port, $first_seen, $last_seen)
                ON CONFLICT (id) DO UPDATE SET
                    name = excluded.name, addresses = excluded.addresses, rpc_port = excluded.rpc_port,
                    first_seen = min(nodes.first_seen, excluded.first_seen),
                    last_seen  = max(nodes.last_seen, excluded.last_seen)
                """)
                .With("$id", node.Id)
                .With("$name", node.Name)
                .With("$addresses", JsonStrings(node.Addresses.Select(a => a.ToString())))
                .With("$rpc_port", node.RpcPort)
                .With("$first_seen", Millis(node.FirstSeen))
                .With("$last_seen", Millis(node.LastSeen));
            command.ExecuteNonQuery();
        }, ct);
    }

    /// <summary>Every known node, most recently seen first.</summary>
    public Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<NodeRecord>>(db =>
        {
            using var command = Command(db, "SELECT id, name, addresses, rpc_port, first_seen, last_seen FROM nodes ORDER BY last_seen DESC, id");
            using var r = command.ExecuteReader();
            var nodes = new List<NodeRecord>();
            while (r.Read())
            {
                nodes.Add(new NodeRecord
                {
                    Id = r.GetString(0),
                    Name = r.GetString(1),
                    Addresses = [.. ReadJsonStrings(r.GetString(2)).Select(System.Net.IPAddress.Parse)],
                    RpcPort = r.GetInt32(3),
                    FirstSeen = r.GetTime(4),
                    LastSeen = r.GetTime(5),
                });
            }
            return nodes;
        }, ct);

    private static GatewayRecord ReadGateway(SqliteDataReader r) => new()
    {
        Address = r.GetAddress(0),
        Port = r.GetInt32(1),
        NodeId = r.GetStringOrNull(2),
        Name = r.GetString(3),
        Suites = [.. ReadJsonStrings(r.GetString(4)).Select(ParseSuite)],
        Source = ParseGatewaySource(r.GetString(5)),
        LearnedAt = r.GetTime(6),
        LastSeen = r.GetTime(7),
    };
}
