using static Mnigs.Store.StoreValues;

namespace Mnigs.Store;

// Quality samples of gateways, a bounded history per gateway.
public sealed partial class MnigsStore
{
    /// <summary>Adds a sample and drops the gateway's oldest beyond <see cref="QualityHistory"/>.</summary>
    public Task AddQualitySampleAsync(QualitySample sample, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return RunAsync(db =>
        {
            using var tx = db.BeginTransaction();
            using var command = Command(db, """
                INSERT INTO quality_samples (gateway, at, rtt_ms, loss) VALUES ($gateway, $at, $rtt_ms, $loss);
                DELETE FROM quality_samples WHERE gateway = $gateway AND id <= (
                    SELECT id FROM quality_samples WHERE gateway = $gateway ORDER BY id DESC LIMIT 1 OFFSET $keep);
                """, tx)
                .With("$gateway", sample.Gateway)
                .With("$at", Millis(sample.At))
                .With("$rtt_ms", sample.RttMs)
                .With("$loss", sample.Loss)
                .With("$keep", QualityHistory);
            command.ExecuteNonQuery();
            tx.Commit();
        }, ct);
    }

    /// <summary>The kept samples of one gateway, oldest first.</summary>
    public Task<IReadOnlyList<QualitySample>> QualityHistoryAsync(string gateway, CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<QualitySample>>(db =>
        {
            using var command = Command(db, "SELECT at, rtt_ms, loss FROM quality_samples WHERE gateway = $gateway ORDER BY id")
                .With("$gateway", gateway);
            using var r = command.ExecuteReader();
            var samples = new List<QualitySample>();
            while (r.Read())
                samples.Add(new QualitySample(gateway, r.GetTime(0), r.IsDBNull(1) ? null : r.GetDouble(1), r.GetDouble(2)));
            return samples;
        }, ct);
}
