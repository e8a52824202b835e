using static Mnigs.Store.StoreValues;

namespace Mnigs.Store;

// Scans and the network graph they found. Only the newest KeptScans are kept.
public sealed partial class MnigsStore
{
    /// <summary>Records the start of a scan and returns its id for <see cref="FinishScanAsync"/>.</summary>
    public Task<long> StartScanAsync(CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, "INSERT INTO scans (started_at) VALUES ($now) RETURNING id").With("$now", Now);
            return (long)command.ExecuteScalar()!;
        }, ct);

    /// <summary>
    /// Stores what a scan found, marks it finished and drops the oldest scans beyond
    /// <see cref="KeptScans"/>. A host listed twice keeps its last entry; a link listed twice is stored once.
    /// </summary>
    public Task FinishScanAsync(long scanId, IReadOnlyCollection<ScanHost> hosts, IReadOnlyCollection<ScanLink> links, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(links);
        return RunAsync(db =>
        {
            using var tx = db.BeginTransaction();
            using (var finish = Command(db, "UPDATE scans SET finished_at = $now WHERE id = $id", tx).With("$id", scanId).With("$now", Now))
            {
                if (finish.ExecuteNonQuery() == 0)
                    throw new InvalidOperationException($"No scan {scanId} to finish.");
            }

            using (var insert = Command(db, """
                INSERT OR REPLACE INTO hosts (scan_id, address, node_id, name, kind, rpc_ok)
                VALUES ($scan_id, $address, $node_id, $name, $kind, $rpc_ok)
                """, tx))
            {
                var address = insert.Parameters.Add("$address", Microsoft.Data.Sqlite.SqliteType.Text);
                var nodeId = insert.Parameters.Add("$node_id", Microsoft.Data.Sqlite.SqliteType.Text);
                var name = insert.Parameters.Add("$name", Microsoft.Data.Sqlite.SqliteType.Text);
                var kind = insert.Parameters.Add("$kind", Microsoft.Data.Sqlite.SqliteType.Text);
                var rpcOk = insert.Parameters.Add("$rpc_ok", Microsoft.Data.Sqlite.SqliteType.Integer);
                insert.With("$scan_id", scanId);
                foreach (var host in hosts)
                {
                    address.Value = Text(host.Address);
                    nodeId.Value = Text(host.NodeId);
                    name.Value = host.Name;
                    kind.Value = Text(host.Kind);
                    rpcOk.Value = host.RpcOk ? 1 : 0;
                    insert.ExecuteNonQuery();
                }
            }

            using (var insert = Command(db, "INSERT OR IGNORE INTO links (scan_id, a, b, network) VALUES ($scan_id, $a, $b, $network)", tx))
            {
                var a = insert.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Text);
                var b = insert.Parameters.Add("$b", Microsoft.Data.Sqlite.SqliteType.Text);
                var network = insert.Parameters.Add("$network", Microsoft.Data.Sqlite.SqliteType.Text);
                insert.With("$scan_id", scanId);
                foreach (var link in links)
                {
                    a.Value = Text(link.A);
                    b.Value = Text(link.B);
                    network.Value = link.Network;
                    insert.ExecuteNonQuery();
                }
            }

            using (var totals = Command(db, """
                UPDATE scans SET
                    hosts_probed   = (SELECT count(*) FROM hosts WHERE scan_id = $id),
                    gateways_found = (SELECT count(*) FROM hosts WHERE scan_id = $id AND kind = 'gateway')
                WHERE id = $id;
                DELETE FROM scans WHERE id < (SELECT id FROM scans ORDER BY id DESC LIMIT 1 OFFSET $keep - 1);
                """, tx).With("$id", scanId).With("$keep", KeptScans))
            {
                totals.ExecuteNonQuery();
            }
            tx.Commit();
        }, ct);
    }

    /// <summary>The newest finished scan with its hosts and links, or null before the first one.</summary>
    public Task<ScanResult?> LastScanAsync(CancellationToken ct = default) =>
        RunAsync(db =>
        {
            long id;
            DateTimeOffset startedAt, finishedAt;
            int hostsProbed, gatewaysFound;
            using (var scan = Command(db, """
                SELECT id, started_at, finished_at, hosts_probed, gateways_found FROM scans
                WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
                """))
            using (var r = scan.ExecuteReader())
            {
                if (!r.Read())
                    return null;
                (id, startedAt, finishedAt, hostsProbed, gatewaysFound) = (r.GetInt64(0), r.GetTime(1), r.GetTime(2), r.GetInt32(3), r.GetInt32(4));
            }

            var hosts = new List<ScanHost>();
            using (var command = Command(db, "SELECT address, node_id, name, kind, rpc_ok FROM hosts WHERE scan_id = $id ORDER BY rowid").With("$id", id))
            using (var r = command.ExecuteReader())
            {
                while (r.Read())
                    hosts.Add(new ScanHost(r.GetAddress(0), r.GetStringOrNull(1), r.GetString(2), ParseScanHostKind(r.GetString(3)), r.GetInt64(4) != 0));
            }

            var links = new List<ScanLink>();
            using (var command = Command(db, "SELECT a, b, network FROM links WHERE scan_id = $id ORDER BY rowid").With("$id", id))
            using (var r = command.ExecuteReader())
            {
                while (r.Read())
                    links.Add(new ScanLink(r.GetAddress(0), r.GetAddress(1), r.GetString(2)));
            }

            return new ScanResult(id, startedAt, finishedAt, hostsProbed, gatewaysFound, hosts, links);
        }, ct);
}
