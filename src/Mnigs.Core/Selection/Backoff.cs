namespace Mnigs.Core.Selection;

/// <summary>
/// When each failed gateway may be tried again: <see cref="SelectionOptions.BackoffInitial"/> after
/// the first failure, doubling with each further one up to <see cref="SelectionOptions.BackoffMax"/>,
/// less a random share of up to <see cref="SelectionOptions.BackoffJitter"/> so subscribers that lost
/// the same gateway spread their retries. Since the jitter only shortens a wait, no wait exceeds the
/// cap, and (with jitter at most a half) each wait below the cap is at least as long as the one
/// before. A success forgets the gateway's failures.
/// </summary>
/// <remarks>
/// One incident often produces several reports (probes stop, then the renew fails); a failure
/// reported while the gateway is already backing off does not lengthen the wait.
/// </remarks>
public sealed class Backoff
{
    private readonly Dictionary<string, (int Failures, DateTimeOffset RetryAt)> _gateways = new(StringComparer.Ordinal);
    private readonly SelectionOptions _options;
    private readonly Random _random;

    public Backoff(SelectionOptions options, Random random)
    {
        _options = options.Checked();
        _random = random;
    }

    /// <summary>Gateways with failures on record.</summary>
    public IReadOnlyCollection<string> Gateways => _gateways.Keys;

    /// <summary>Records a failed attempt at (or loss of) <paramref name="gatewayId"/>; returns when it may be tried again.</summary>
    public DateTimeOffset Failed(string gatewayId, DateTimeOffset now)
    {
        if (_gateways.TryGetValue(gatewayId, out var entry) && now < entry.RetryAt)
            return entry.RetryAt;
        var failures = entry.Failures + 1;
        var retryAt = now + Delay(failures);
        _gateways[gatewayId] = (failures, retryAt);
        return retryAt;
    }

    public void Succeeded(string gatewayId) => _gateways.Remove(gatewayId);

    public bool IsBackingOff(string gatewayId, DateTimeOffset now) =>
        _gateways.TryGetValue(gatewayId, out var entry) && now < entry.RetryAt;

    /// <summary>When <paramref name="gatewayId"/> may be tried again; null when it has no failure on record.</summary>
    public DateTimeOffset? RetryAt(string gatewayId) =>
        _gateways.TryGetValue(gatewayId, out var entry) ? entry.RetryAt : null;

    /// <summary>Failures since the last success.</summary>
    public int Failures(string gatewayId) => _gateways.TryGetValue(gatewayId, out var entry) ? entry.Failures : 0;

    /// <summary>Drops gateways no longer known, so the table does not grow with every gateway ever seen.</summary>
    public void Retain(IEnumerable<string> known)
    {
        var keep = known.ToHashSet(StringComparer.Ordinal);
        foreach (var id in _gateways.Keys.Where(id => !keep.Contains(id)).ToList())
            _gateways.Remove(id);
    }

    private TimeSpan Delay(int failures)
    {
        // 2^30 initial waits is decades: the cap applies long before, and the power stays finite.
        var exponential = _options.BackoffInitial.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, _options.BackoffMax.Ticks);
        var jittered = capped * (1 - (_options.BackoffJitter * _random.NextDouble()));
        return TimeSpan.FromTicks((long)jittered);
    }
}
