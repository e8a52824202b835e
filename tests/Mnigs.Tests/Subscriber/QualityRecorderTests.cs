using System.Runtime.Versioning;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Mnigs.Core.Selection;
using Mnigs.Store;
using Mnigs.Subscriber;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Subscriber;

// The daemon is Linux-only (see src/Mnigs/Properties.cs).
[SupportedOSPlatform("linux")]
public sealed class QualityRecorderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_123);

    private readonly ScratchDirectory _dir = new("quality");
    private readonly ManualTimeProvider _time = new(T0);
    private readonly RecordingLog _log = new();
    private readonly MnigsStore _store;
    private readonly QualityRecorder _recorder;

    public QualityRecorderTests()
    {
        _store = MnigsStore.Open(_dir.File("mnigs.db"), _time);
        _recorder = new QualityRecorder(_store, _time, _log);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _dir.Dispose();
    }

    private void Answer(string gateway, string path, double ms) =>
        _recorder.Record(gateway, path, ProbeResult.Answer(_time.GetUtcNow(), TimeSpan.FromMilliseconds(ms)));

    private void Miss(string gateway, string path) =>
        _recorder.Record(gateway, path, ProbeResult.Miss(_time.GetUtcNow()));

    private async Task<IReadOnlyList<QualitySample>> All() =>
        [.. (await _store.RecentQualityAsync(DateTimeOffset.MinValue)).Values.SelectMany(s => s)];

    [Fact]
    public async Task Flush_writes_the_median_of_the_answers_the_loss_and_the_probe_count()
    {
        Answer("gw-a", QualityPath.Mesh, 30);
        Miss("gw-a", QualityPath.Mesh);
        Answer("gw-a", QualityPath.Mesh, 10);
        Answer("gw-a", QualityPath.Mesh, 20);
        _time.Advance(TimeSpan.FromSeconds(5));

        await _recorder.FlushAsync(CancellationToken.None);

        Assert.Equal([new QualitySample("gw-a", QualityPath.Mesh, T0.AddSeconds(5), 20, 0.25, 4)], await All());
    }

    [Fact]
    public async Task Median_of_an_even_count_is_between_the_middle_two()
    {
        Answer("gw-a", QualityPath.Tunnel, 40);
        Answer("gw-a", QualityPath.Tunnel, 10);
        Answer("gw-a", QualityPath.Tunnel, 100);
        Answer("gw-a", QualityPath.Tunnel, 20);

        await _recorder.FlushAsync(CancellationToken.None);

        Assert.Equal(30, Assert.Single(await All()).RttMs);
    }

    [Fact]
    public async Task Each_gateway_and_path_gets_its_own_sample()
    {
        Answer("gw-a", QualityPath.Mesh, 10);
        Answer("gw-a", QualityPath.Tunnel, 50);
        Answer("gw-a", QualityPath.Tunnel, 70);
        Miss("gw-b", QualityPath.Mesh);

        await _recorder.FlushAsync(CancellationToken.None);

        Assert.Equal([new QualitySample("gw-a", QualityPath.Mesh, T0, 10, 0, 1)], await _store.QualityHistoryAsync("gw-a", QualityPath.Mesh));
        Assert.Equal([new QualitySample("gw-a", QualityPath.Tunnel, T0, 60, 0, 2)], await _store.QualityHistoryAsync("gw-a", QualityPath.Tunnel));
        Assert.Equal([new QualitySample("gw-b", QualityPath.Mesh, T0, null, 1, 1)], await _store.QualityHistoryAsync("gw-b"));
    }

    [Fact]
    public async Task Nothing_is_written_without_probes_since_the_last_flush()
    {
        await _recorder.FlushAsync(CancellationToken.None);
        Assert.Empty(await All());

        Answer("gw-a", QualityPath.Mesh, 10);
        await _recorder.FlushAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));
        await _recorder.FlushAsync(CancellationToken.None);

        Assert.Single(await All());
    }

    [Fact]
    public async Task Failing_store_does_not_throw_out_of_flush_and_warns_once()
    {
        await _store.DisposeAsync();

        for (var i = 0; i < 3; i++)
        {
            Answer("gw-a", QualityPath.Mesh, 10);
            await _recorder.FlushAsync(CancellationToken.None);
        }

        Assert.Single(_log.Warnings);
    }

    [Fact]
    public async Task Failed_batch_is_dropped_and_the_next_flush_writes_again()
    {
        Answer("gw-a", QualityPath.Mesh, 10);
        RawExecute("ALTER TABLE quality_samples RENAME TO quality_samples_away");
        await _recorder.FlushAsync(CancellationToken.None);

        RawExecute("ALTER TABLE quality_samples_away RENAME TO quality_samples");
        _time.Advance(TimeSpan.FromSeconds(5));
        Answer("gw-a", QualityPath.Mesh, 20);
        await _recorder.FlushAsync(CancellationToken.None);

        Assert.Equal([new QualitySample("gw-a", QualityPath.Mesh, T0.AddSeconds(5), 20, 0, 1)], await All());
        Assert.Single(_log.Warnings);
    }

    [Fact]
    public async Task Probes_beyond_the_cap_are_dropped_and_counted()
    {
        for (var i = 0; i < QualityRecorder.MaxPendingProbes + 7; i++)
            Answer($"gw-{i % 10}", QualityPath.Mesh, 10);

        await _recorder.FlushAsync(CancellationToken.None);

        Assert.Equal(QualityRecorder.MaxPendingProbes, (await All()).Sum(s => s.Probes));
        Assert.StartsWith("Dropped 7 quality probes", Assert.Single(_log.Warnings));
    }

    [Fact]
    public async Task Probes_recorded_from_many_threads_are_all_counted()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
                Answer("gw-a", t % 2 == 0 ? QualityPath.Mesh : QualityPath.Tunnel, i);
        })));

        await _recorder.FlushAsync(CancellationToken.None);

        Assert.Equal([2000, 2000], (await All()).Select(s => s.Probes));
    }

    [Fact]
    public void Record_refuses_an_unknown_path() =>
        Assert.Throws<ArgumentException>(() => Answer("gw-a", "wifi", 10));

    [Fact]
    public async Task Probes_of_gateway_ids_the_store_cannot_keep_are_dropped_not_thrown()
    {
        Answer("", QualityPath.Mesh, 10);
        Answer(new string('g', QualitySample.MaxGatewayLength + 1), QualityPath.Mesh, 10);
        Answer("gw-a", QualityPath.Mesh, 10);

        await _recorder.FlushAsync(CancellationToken.None);

        Assert.Equal(["gw-a"], (await All()).Select(s => s.Gateway));
        Assert.StartsWith("Dropped 2 quality probes of gateways", Assert.Single(_log.Warnings));
    }

    private void RawExecute(string sql)
    {
        using var db = new SqliteConnection($"Data Source={_store.FilePath};Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed class RecordingLog : ILogger<QualityRecorder>
    {
        private readonly Lock _lock = new();
        private readonly List<string> _warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_lock)
                    return [.. _warnings];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel != LogLevel.Warning)
                return;
            lock (_lock)
                _warnings.Add(formatter(state, exception));
        }
    }
}
