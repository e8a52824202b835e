using Microsoft.Data.Sqlite;
using static Mnigs.Store.StoreValues;

namespace Mnigs.Store;

// Quality samples of gateways: a bounded history per gateway and path, for charts and `status`.
public sealed partial class MnigsStore
{
    /// <summary>Samples older than this are dropped whenever samples are added.</summary>
    public static readonly TimeSpan QualityMaxAge = TimeSpan.FromHours(24);

    /// <summary>
    /// Adds the samples in one transaction, then keeps at most <see cref="QualityHistory"/> of each
    /// (gateway, path) they touch and none older than <see cref="QualityMaxAge"/>. Throws
    /// <see cref="ArgumentException"/> before writing anything if any sample is invalid.
    /// </summary>
    public Task AddQualitySamplesAsync(IReadOnlyList<QualitySample> samples, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var sample in samples)
            CheckQualitySample(sample);
        if (samples.Count == 0)
            return Task.CompletedTask;

        return RunAsync(db =>
        {
            using var tx = db.BeginTransaction();
            using (var insert = Command(db, """
                INSERT INTO quality_samples (gateway, path, at, rtt_ms, loss, probes)
                VALUES ($gateway, $path, $at, $rtt_ms, $loss, $probes)
                """, tx))
            {
                var gateway = insert.Parameters.Add("$gateway", SqliteType.Text);
                var path = insert.Parameters.Add("$path", SqliteType.Text);
                var at = insert.Parameters.Add("$at", SqliteType.Integer);
                var rtt = insert.Parameters.Add("$rtt_ms", SqliteType.Real);
                var loss = insert.Parameters.Add("$loss", SqliteType.Real);
                var probes = insert.Parameters.Add("$probes", SqliteType.Integer);
                foreach (var sample in samples)
                {
                    gateway.Value = sample.Gateway;
                    path.Value = sample.Path;
                    at.Value = Millis(sample.At);
                    rtt.Value = sample.RttMs is { } ms ? ms : DBNull.Value;
                    loss.Value = sample.Loss;
                    probes.Value = sample.Probes;
                    insert.ExecuteNonQuery();
                }
            }

            // Walks the index from the newest entry of each touched (gateway, path); untouched ones
            // cannot have grown.
            using (var trim = Command(db, """
                DELETE FROM quality_samples WHERE id IN (
                    SELECT id FROM quality_samples WHERE gateway = $gateway AND path = $path
                    ORDER BY at DESC, id DESC LIMIT -1 OFFSET $keep)
                """, tx))
            {
                var gateway = trim.Parameters.Add("$gateway", SqliteType.Text);
                var path = trim.Parameters.Add("$path", SqliteType.Text);
                trim.Parameters.AddWithValue("$keep", QualityHistory);
                foreach (var (g, p) in samples.Select(s => (s.Gateway, s.Path)).Distinct())
                {
                    gateway.Value = g;
                    path.Value = p;
                    trim.ExecuteNonQuery();
                }
            }

            using (var expire = Command(db, "DELETE FROM quality_samples WHERE at < $cutoff", tx)
                .With("$cutoff", Millis(_time.GetUtcNow() - QualityMaxAge)))
                expire.ExecuteNonQuery();
            tx.Commit();
        }, ct);
    }

    /// <summary>The kept samples of one gateway, of one path or both, oldest first.</summary>
    public Task<IReadOnlyList<QualitySample>> QualityHistoryAsync(string gateway, string? path = null, DateTimeOffset? since = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        if (path is not null)
            QualityPath.ThrowIfUnknown(path);

        return RunAsync<IReadOnlyList<QualitySample>>(db =>
        {
            // With the path given, the index yields the rows in order; without, both paths are sorted.
            using var command = Command(db, $"""
                SELECT gateway, path, at, rtt_ms, loss, probes FROM quality_samples
                WHERE gateway = $gateway {(path is null ? "" : "AND path = $path")} AND at >= $since
                ORDER BY at, id
                """)
                .With("$gateway", gateway)
                .With("$path", path)
                .With("$since", since is { } t ? Millis(t) : long.MinValue);
            return ReadSamples(command);
        }, ct);
    }

    /// <summary>Every gateway's samples at or after <paramref name="since"/>, both paths, each list oldest first.</summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<QualitySample>>> RecentQualityAsync(DateTimeOffset since, CancellationToken ct = default) =>
        RunAsync<IReadOnlyDictionary<string, IReadOnlyList<QualitySample>>>(db =>
        {
            using var command = Command(db, """
                SELECT gateway, path, at, rtt_ms, loss, probes FROM quality_samples
                WHERE at >= $since
                ORDER BY gateway, at, id
                """)
                .With("$since", Millis(since));
            return ReadSamples(command)
                .GroupBy(s => s.Gateway, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, IReadOnlyList<QualitySample> (g) => [.. g], StringComparer.Ordinal);
        }, ct);

    /// <summary>Deletes the history of every gateway not in <paramref name="keepGateways"/>.</summary>
    public Task ForgetQualityAsync(IReadOnlyCollection<string> keepGateways, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keepGateways);
        return RunAsync(db =>
        {
            using var command = Command(db, "DELETE FROM quality_samples WHERE gateway NOT IN (SELECT value FROM json_each($keep))")
                .With("$keep", JsonStrings(keepGateways));
            command.ExecuteNonQuery();
        }, ct);
    }

    private static void CheckQualitySample(QualitySample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (string.IsNullOrEmpty(sample.Gateway) || sample.Gateway.Length > QualitySample.MaxGatewayLength)
            throw new ArgumentException($"A quality sample's gateway key must have 1 to {QualitySample.MaxGatewayLength} characters, not {sample.Gateway?.Length ?? 0}.", nameof(sample));
        QualityPath.ThrowIfUnknown(sample.Path, nameof(sample));
        if (!(sample.Loss is >= 0 and <= 1))
            throw new ArgumentException($"Loss of {sample.Gateway} must be between 0 and 1, not {sample.Loss}.", nameof(sample));
        if (sample.RttMs is { } rtt && !(rtt >= 0 && double.IsFinite(rtt)))
            throw new ArgumentException($"Round-trip time of {sample.Gateway} must be a finite number of milliseconds, at least 0, not {rtt}.", nameof(sample));
        if (sample.Probes < 1)
            throw new ArgumentException($"A sample of {sample.Gateway} must summarize at least one probe, not {sample.Probes}.", nameof(sample));
    }

    private static List<QualitySample> ReadSamples(SqliteCommand command)
    {
        using var r = command.ExecuteReader();
        var samples = new List<QualitySample>();
        while (r.Read())
            samples.Add(new QualitySample(r.GetString(0), r.GetString(1), r.GetTime(2),
                r.IsDBNull(3) ? null : r.GetDouble(3), r.GetDouble(4), r.GetInt32(5)));
        return samples;
    }
}
