using static Mnigs.Store.StoreValues;

namespace Mnigs.Store;

// The gateway directory's signed records, kept as received (their wire JSON), one per node.
public sealed partial class MnigsStore
{
    /// <summary>Keeps the newest record of a node (a lower sequence never replaces a higher one).</summary>
    public Task SaveDirectoryRecordAsync(string nodeId, long sequence, string recordJson, DateTimeOffset expiresAt, CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, """
                INSERT INTO directory_records (node_id, sequence, record, expires_at, received_at)
                VALUES ($node_id, $sequence, $record, $expires_at, $received_at)
                ON CONFLICT (node_id) DO UPDATE SET
                    sequence = excluded.sequence, record = excluded.record,
                    expires_at = excluded.expires_at, received_at = excluded.received_at
                WHERE excluded.sequence > directory_records.sequence
                """)
                .With("$node_id", nodeId)
                .With("$sequence", sequence)
                .With("$record", recordJson)
                .With("$expires_at", Millis(expiresAt))
                .With("$received_at", Millis(_time.GetUtcNow()));
            command.ExecuteNonQuery();
        }, ct);

    public Task DeleteDirectoryRecordAsync(string nodeId, CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, "DELETE FROM directory_records WHERE node_id = $node_id").With("$node_id", nodeId);
            command.ExecuteNonQuery();
        }, ct);

    /// <summary>Every kept record's wire JSON; the caller verifies them again before trusting any.</summary>
    public Task<IReadOnlyList<string>> LoadDirectoryRecordsAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<string>>(db =>
        {
            using var command = Command(db, "SELECT record FROM directory_records ORDER BY node_id");
            using var r = command.ExecuteReader();
            var list = new List<string>();
            while (r.Read())
                list.Add(r.GetString(0));
            return list;
        }, ct);
}
