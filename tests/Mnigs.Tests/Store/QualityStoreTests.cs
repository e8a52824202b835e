using System.Runtime.Versioning;
using Microsoft.Data.Sqlite;
using Mnigs.Store;

namespace Mnigs.Tests.Store;

// The daemon is Linux-only (see src/Mnigs/Properties.cs).
[SupportedOSPlatform("linux")]
public sealed class QualityStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_123);

    private readonly ManualTime _time = new(T0);
    private readonly StoreScratch _scratch;

    public QualityStoreTests() => _scratch = new StoreScratch(_time);

    public void Dispose() => _scratch.Dispose();

    private string DbPath => _scratch.DbPath;

    private MnigsStore Open(int qualityHistory = MnigsStore.DefaultQualityHistory) => _scratch.Open(qualityHistory);

    private SqliteConnection Raw() => _scratch.Raw();

    private static object? Scalar(SqliteConnection db, string sql) => StoreScratch.Scalar(db, sql);

    private static QualitySample Mesh(string gateway, DateTimeOffset at, double? rttMs = 20, double loss = 0, int probes = 5) =>
        new(gateway, QualityPath.Mesh, at, rttMs, loss, probes);

    private static QualitySample Tunnel(string gateway, DateTimeOffset at, double? rttMs = 30, double loss = 0, int probes = 25) =>
        new(gateway, QualityPath.Tunnel, at, rttMs, loss, probes);

    [Fact]
    public async Task Batch_is_read_back_per_path_oldest_first()
    {
        await using var store = Open();
        QualitySample[] batch =
        [
            Tunnel("gw-a", T0.AddSeconds(5), rttMs: 31.5, loss: 0.04, probes: 25),
            Mesh("gw-a", T0.AddSeconds(5), rttMs: null, loss: 1, probes: 5),
            Mesh("gw-a", T0, rttMs: 12.25, loss: 0.2, probes: 5),
            Mesh("gw-b", T0, rttMs: 40),
        ];

        await store.AddQualitySamplesAsync(batch);

        Assert.Equal([batch[2], batch[1]], await store.QualityHistoryAsync("gw-a", QualityPath.Mesh));
        Assert.Equal([batch[0]], await store.QualityHistoryAsync("gw-a", QualityPath.Tunnel));
        Assert.Equal([batch[2], batch[0], batch[1]], await store.QualityHistoryAsync("gw-a"));
        Assert.Equal([batch[0], batch[1]], await store.QualityHistoryAsync("gw-a", since: T0.AddSeconds(5)));
        Assert.Equal([batch[3]], await store.QualityHistoryAsync("gw-b"));
        Assert.Empty(await store.QualityHistoryAsync("gw-c"));
    }

    [Fact]
    public async Task History_is_bounded_per_gateway_and_path_leaving_the_others_untouched()
    {
        await using var store = Open(qualityHistory: 5);
        await store.AddQualitySamplesAsync([Tunnel("gw-a", T0), Mesh("gw-b", T0), Tunnel("gw-b", T0)]);

        for (var i = 1; i <= 12; i++)
            await store.AddQualitySamplesAsync([Mesh("gw-a", T0.AddSeconds(i), rttMs: i)]);
        await store.AddQualitySamplesAsync([.. Enumerable.Range(13, 4).Select(i => Mesh("gw-a", T0.AddSeconds(i), rttMs: i))]);

        var mesh = await store.QualityHistoryAsync("gw-a", QualityPath.Mesh);
        Assert.Equal(store.QualityHistory, mesh.Count);
        Assert.Equal([12.0, 13, 14, 15, 16], mesh.Select(s => s.RttMs!.Value));
        Assert.Single(await store.QualityHistoryAsync("gw-a", QualityPath.Tunnel));
        Assert.Equal(2, (await store.QualityHistoryAsync("gw-b")).Count);
    }

    [Fact]
    public async Task A_batch_larger_than_the_history_keeps_its_newest()
    {
        await using var store = Open(qualityHistory: 3);

        await store.AddQualitySamplesAsync([.. Enumerable.Range(0, 10).Select(i => Mesh("gw-a", T0.AddSeconds(10 - i), rttMs: 10 - i))]);

        Assert.Equal([8.0, 9, 10], (await store.QualityHistoryAsync("gw-a")).Select(s => s.RttMs!.Value));
    }

    [Fact]
    public async Task Samples_older_than_a_day_are_dropped_when_samples_are_added()
    {
        await using var store = Open();
        await store.AddQualitySamplesAsync([Mesh("gone", T0), Mesh("gw-a", T0), Tunnel("gw-a", T0.AddHours(2))]);

        _time.Now = T0 + MnigsStore.QualityMaxAge + TimeSpan.FromHours(1);
        await store.AddQualitySamplesAsync([Mesh("gw-a", _time.Now)]);

        Assert.Empty(await store.QualityHistoryAsync("gone"));
        Assert.Equal([T0.AddHours(2), _time.Now], (await store.QualityHistoryAsync("gw-a")).Select(s => s.At));
    }

    public static TheoryData<string> InvalidSamples => new()
    {
        "empty gateway", "long gateway", "unknown path", "negative loss", "loss above 1", "loss NaN",
        "negative rtt", "infinite rtt", "no probes", "null sample",
    };

    [Theory]
    [MemberData(nameof(InvalidSamples))]
    public async Task Invalid_sample_is_rejected_and_nothing_of_its_batch_is_written(string what)
    {
        await using var store = Open();
        var good = Mesh("gw-a", T0);
        var bad = what switch
        {
            "empty gateway" => good with { Gateway = "" },
            "long gateway" => good with { Gateway = new string('g', QualitySample.MaxGatewayLength + 1) },
            "unknown path" => good with { Path = "wifi" },
            "negative loss" => good with { Loss = -0.1 },
            "loss above 1" => good with { Loss = 1.5 },
            "loss NaN" => good with { Loss = double.NaN },
            "negative rtt" => good with { RttMs = -1 },
            "infinite rtt" => good with { RttMs = double.PositiveInfinity },
            "no probes" => good with { Probes = 0 },
            "null sample" => null!,
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.AddQualitySamplesAsync([good, bad]));

        Assert.Empty(await store.RecentQualityAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task Longest_accepted_gateway_key_is_kept()
    {
        await using var store = Open();
        var key = new string('g', QualitySample.MaxGatewayLength);

        await store.AddQualitySamplesAsync([Mesh(key, T0)]);

        Assert.Single(await store.QualityHistoryAsync(key));
    }

    [Fact]
    public async Task Recent_quality_holds_every_gateways_samples_since_a_time()
    {
        await using var store = Open();
        await store.AddQualitySamplesAsync(
        [
            Mesh("gw-a", T0), Mesh("gw-a", T0.AddSeconds(10)), Tunnel("gw-a", T0.AddSeconds(5)),
            Mesh("gw-b", T0.AddSeconds(5)), Mesh("gw-old", T0.AddSeconds(-5)),
        ]);

        var recent = await store.RecentQualityAsync(T0);

        Assert.Equal(["gw-a", "gw-b"], recent.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([T0, T0.AddSeconds(5), T0.AddSeconds(10)], recent["gw-a"].Select(s => s.At));
        Assert.Equal([QualityPath.Mesh, QualityPath.Tunnel, QualityPath.Mesh], recent["gw-a"].Select(s => s.Path));
        Assert.Single(recent["gw-b"]);
    }

    [Fact]
    public async Task Forgetting_keeps_only_the_listed_gateways()
    {
        await using var store = Open();
        await store.AddQualitySamplesAsync([Mesh("gw-a", T0), Tunnel("gw-a", T0), Mesh("gw-b", T0), Mesh("gw-'c\"", T0)]);

        await store.ForgetQualityAsync(["gw-a", "gw-unknown"]);

        Assert.Equal(["gw-a"], (await store.RecentQualityAsync(DateTimeOffset.MinValue)).Keys);
        Assert.Equal(2, (await store.QualityHistoryAsync("gw-a")).Count);

        await store.ForgetQualityAsync([]);

        Assert.Empty(await store.RecentQualityAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task Version_2_database_keeps_its_quality_rows_as_mesh_samples_of_one_probe()
    {
        Directory.CreateDirectory(_scratch.StateDir);
        using (var db = Raw())
        using (var command = db.CreateCommand())
        {
            command.CommandText = $"""
                {StoreMigrations.All[0]}
                {StoreMigrations.All[1]}
                PRAGMA user_version = 2;
                INSERT INTO quality_samples (gateway, at, rtt_ms, loss) VALUES ('gw-a', {T0.ToUnixTimeMilliseconds()}, 42.5, 0);
                INSERT INTO quality_samples (gateway, at, rtt_ms, loss) VALUES ('gw-a', {T0.AddSeconds(1).ToUnixTimeMilliseconds()}, NULL, 1);
                """;
            command.ExecuteNonQuery();
        }

        await using var store = Open();

        Assert.Equal(
            [new QualitySample("gw-a", QualityPath.Mesh, T0, 42.5, 0, 1), new QualitySample("gw-a", QualityPath.Mesh, T0.AddSeconds(1), null, 1, 1)],
            await store.QualityHistoryAsync("gw-a"));
        using var check = Raw();
        Assert.Equal((long)MnigsStore.SchemaVersion, Scalar(check, "PRAGMA user_version"));
        Assert.Equal(1L, Scalar(check, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'quality_samples_gateway_path_at'"));
    }

    [Fact]
    public async Task Indexes_serve_trimming_by_count_and_by_age()
    {
        await using (Open()) { }
        using var db = Raw();

        var byCount = Plan(db, """
            DELETE FROM quality_samples WHERE id IN (
                SELECT id FROM quality_samples WHERE gateway = 'g' AND path = 'mesh' ORDER BY at DESC, id DESC LIMIT -1 OFFSET 720)
            """);
        var byAge = Plan(db, "DELETE FROM quality_samples WHERE at < 0");

        Assert.Contains("quality_samples_gateway_path_at", byCount);
        Assert.DoesNotContain("TEMP B-TREE", byCount);
        Assert.Contains("quality_samples_at", byAge);
    }

    private static string Plan(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        using var r = command.ExecuteReader();
        var lines = new List<string>();
        while (r.Read())
            lines.Add(r.GetString(3));
        return string.Join('\n', lines);
    }
}
