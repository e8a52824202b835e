using Mnigs.Core.Selection;
using Mnigs.Store;

namespace Mnigs.Subscriber;

/// <summary>
/// Turns the autopilot's probe results into quality history: <see cref="Record"/> collects them in
/// memory, and each <see cref="FlushAsync"/> writes one <see cref="QualitySample"/> per gateway and
/// path probed since the previous flush, in one batch. Keeping every probe would write several rows a
/// second to the router's flash for charts that show minutes.
/// </summary>
public sealed class QualityRecorder
{
    /// <summary>Probes kept in memory between flushes; more are counted and dropped.</summary>
    public const int MaxPendingProbes = 10_000;

    private readonly MnigsStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<QualityRecorder> _log;
    private readonly Lock _lock = new();
    private Dictionary<(string Gateway, string Path), Pending> _pending = [];
    private int _pendingProbes;
    private int _droppedProbes;
    private int _unstorableProbes;
    private int _failedFlushes;

    public QualityRecorder(MnigsStore store, TimeProvider time, ILogger<QualityRecorder> log, TimeSpan? period = null)
    {
        _store = store;
        _time = time;
        _log = log;
        Period = period ?? TimeSpan.FromSeconds(5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Period, TimeSpan.Zero, nameof(period));
    }

    /// <summary>How often the owner calls <see cref="FlushAsync"/>, so how long one sample summarizes.</summary>
    public TimeSpan Period { get; }

    /// <summary>
    /// Notes one probe's outcome. Cheap and safe from any thread; never touches the disk. A gateway id
    /// the store cannot keep (empty, or longer than <see cref="QualitySample.MaxGatewayLength"/>) comes
    /// from a peer, so it is counted and reported at the next flush instead of thrown at the probe loop.
    /// </summary>
    public void Record(string gatewayId, string path, ProbeResult result)
    {
        QualityPath.ThrowIfUnknown(path);
        if (result.Rtt is { } rtt)
            ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero, nameof(result));

        lock (_lock)
        {
            if (string.IsNullOrEmpty(gatewayId) || gatewayId.Length > QualitySample.MaxGatewayLength)
            {
                _unstorableProbes++;
                return;
            }
            if (_pendingProbes >= MaxPendingProbes)
            {
                _droppedProbes++;
                return;
            }
            if (!_pending.TryGetValue((gatewayId, path), out var pending))
                _pending[(gatewayId, path)] = pending = new Pending();
            if (result.Rtt is { } answered)
                pending.RttsMs.Add(answered.TotalMilliseconds);
            else
                pending.Missed++;
            _pendingProbes++;
        }
    }

    /// <summary>
    /// Writes what was recorded since the last flush, stamped with the current time. A batch the
    /// store refuses is dropped with a warning (once, until writing works again), never retried:
    /// a full disk must not make memory grow.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        Dictionary<(string Gateway, string Path), Pending> taken;
        int dropped, unstorable;
        lock (_lock)
        {
            taken = _pending;
            dropped = _droppedProbes;
            unstorable = _unstorableProbes;
            _pending = [];
            _pendingProbes = 0;
            _droppedProbes = 0;
            _unstorableProbes = 0;
        }

        if (dropped > 0)
            _log.LogWarning("Dropped {Count} quality probes: more than {Max} waited to be written", dropped, MaxPendingProbes);
        if (unstorable > 0)
            _log.LogWarning("Dropped {Count} quality probes of gateways whose id is empty or longer than {Max} characters",
                unstorable, QualitySample.MaxGatewayLength);
        if (taken.Count == 0)
            return;

        var at = _time.GetUtcNow();
        var samples = taken
            .OrderBy(e => e.Key.Gateway, StringComparer.Ordinal)
            .ThenBy(e => e.Key.Path, StringComparer.Ordinal)
            .Select(e => e.Value.Summarize(e.Key.Gateway, e.Key.Path, at))
            .ToList();
        try
        {
            await _store.AddQualitySamplesAsync(samples, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (Interlocked.Increment(ref _failedFlushes) == 1)
                _log.LogWarning("Cannot write quality samples, dropping them until it works again: {Error}", e.Message);
            else
                _log.LogDebug("Cannot write quality samples: {Error}", e.Message);
            return;
        }

        var failed = Interlocked.Exchange(ref _failedFlushes, 0);
        if (failed > 0)
            _log.LogInformation("Writing quality samples works again; {Count} batches were dropped", failed);
    }

    private sealed class Pending
    {
        public List<double> RttsMs { get; } = [];

        public int Missed { get; set; }

        public QualitySample Summarize(string gateway, string path, DateTimeOffset at)
        {
            var probes = RttsMs.Count + Missed;
            return new QualitySample(gateway, path, at, Median(RttsMs), (double)Missed / probes, probes);
        }

        private static double? Median(List<double> values)
        {
            if (values.Count == 0)
                return null;
            values.Sort();
            var middle = values.Count / 2;
            return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
        }
    }
}
