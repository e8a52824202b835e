namespace Mnigs.Core.Selection;

/// <summary>
/// The most recent probe results towards one target, bounded twice: at most <see cref="MaxSamples"/>
/// results, and only those sent within <see cref="MaxAge"/> of the moment asked about. Adding is O(1)
/// and allocation-free, so the 5 probes/s of an active tunnel cost nothing; a summary sorts at most
/// <see cref="MaxSamples"/> RTTs. Not thread-safe: one probe loop owns a window.
/// </summary>
public sealed class QualityWindow
{
    private readonly ProbeResult[] _ring;
    private readonly long[] _rtts;
    private int _next;
    private int _count;

    public QualityWindow(int maxSamples, TimeSpan maxAge)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSamples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        MaxSamples = maxSamples;
        MaxAge = maxAge;
        _ring = new ProbeResult[maxSamples];
        _rtts = new long[maxSamples];
    }

    public QualityWindow(SelectionOptions options) : this(options.WindowSamples, options.WindowAge)
    {
    }

    public int MaxSamples { get; }

    public TimeSpan MaxAge { get; }

    /// <summary>Results held, old ones included; <see cref="Summarize"/> drops those past <see cref="MaxAge"/>.</summary>
    public int Count => _count;

    public void Add(ProbeResult result)
    {
        if (result.Rtt is { } rtt && rtt < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(result), rtt, "A round-trip time cannot be negative");
        _ring[_next] = result;
        _next = (_next + 1) % _ring.Length;
        if (_count < _ring.Length)
            _count++;
    }

    public void Clear()
    {
        _next = 0;
        _count = 0;
    }

    /// <summary>
    /// Loss and RTT over the results sent after <c>now - MaxAge</c>. The median of an even number of
    /// RTTs is the mean of the middle two; the 90th percentile is the nearest rank.
    /// </summary>
    public QualitySummary Summarize(DateTimeOffset now)
    {
        var oldest = now - MaxAge;
        int samples = 0, answered = 0;
        long sum = 0;
        for (var i = 0; i < _count; i++)
        {
            var result = _ring[i];
            if (result.SentAt <= oldest)
                continue;
            samples++;
            if (result.Rtt is { } rtt)
            {
                _rtts[answered++] = rtt.Ticks;
                sum += rtt.Ticks;
            }
        }
        if (answered == 0)
            return new QualitySummary(samples, 0, null, null, null);

        var sorted = _rtts.AsSpan(0, answered);
        sorted.Sort();
        var median = answered % 2 == 1
            ? sorted[answered / 2]
            : (sorted[(answered / 2) - 1] + sorted[answered / 2]) / 2;
        var p90 = sorted[(int)Math.Ceiling(0.9 * answered) - 1];
        return new QualitySummary(samples, answered, TimeSpan.FromTicks(median), TimeSpan.FromTicks(p90),
            TimeSpan.FromTicks(sum / answered));
    }
}
