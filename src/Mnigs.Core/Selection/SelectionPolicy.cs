namespace Mnigs.Core.Selection;

/// <summary>
/// Decides, each time the daemon has a fresh <see cref="Ranking"/>, whether the subscriber stays on
/// its active gateway, and which gateway holds the standby tunnel. Call it about once a second and
/// whenever a tunnel changes state; it keeps only the timers hysteresis needs.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>No connection: connect to the standby if one is up, else to the best gateway.</item>
/// <item>The active gateway is down, or no longer usable (rejected by the ranker, gone from the
/// candidates): fail over at once, to the standby if one is up (its tunnel is ready), else to the
/// best other gateway. With nowhere to go, a merely unusable gateway is kept; a down one is not.</item>
/// <item>The active gateway is healthy: a measured preferred gateway, usable without a break for
/// <see cref="SelectionOptions.PreferredReturnAfter"/>, takes the traffic back. Otherwise another
/// measured gateway wins only by scoring at least <see cref="SelectionOptions.SwitchMargin"/> and
/// <see cref="SelectionOptions.SwitchMinimumGain"/> lower at every decision for
/// <see cref="SelectionOptions.SwitchAfter"/>, its loss taken at the worst and the active one's at
/// the best its probes allow (<see cref="RankedCandidate.Pessimistic"/> against
/// <see cref="RankedCandidate.Optimistic"/>); a healthy preferred gateway is left only for another
/// preferred one. A moment of doubt resets the timer. Together these stop two similar gateways
/// trading the traffic back and forth.</item>
/// </list>
/// Not thread-safe: one selection loop owns a policy.
/// </remarks>
public sealed class SelectionPolicy(SelectionOptions options)
{
    private readonly SelectionOptions _options = options.Checked();

    // Since when each gateway has beaten the active one by the margin, without a break.
    private readonly Dictionary<string, DateTimeOffset> _betterSince = new(StringComparer.Ordinal);

    // Since when each preferred gateway has been ranked and measured, without a break.
    private readonly Dictionary<string, DateTimeOffset> _preferredUsableSince = new(StringComparer.Ordinal);

    private string? _active;

    /// <param name="active">The gateway carrying the traffic now; null when not connected.</param>
    /// <param name="activeDown">The active tunnel's <see cref="DownDetector"/> says down (or an explicit event did).</param>
    /// <param name="standby">The gateway of the standby tunnel while that tunnel is up; null otherwise.</param>
    public SelectionDecision Decide(Ranking ranking, DateTimeOffset now, string? active = null, bool activeDown = false, string? standby = null)
    {
        if (active != _active)
        {
            _betterSince.Clear();
            _active = active;
        }
        if (activeDown && active is not null)
            _preferredUsableSince.Remove(active);
        TrackPreferred(ranking, now, activeDown ? active : null);

        if (active is null)
        {
            var first = ranking.Find(standby) ?? ranking.Best;
            return first is null
                ? Nothing(ranking)
                : Decision(DecisionKind.Connect, first, ranking, standby, null, first.Id == standby ? "not connected; the standby is up" : "not connected");
        }

        var current = ranking.Find(active);
        if (activeDown || current is null)
        {
            _betterSince.Clear();
            var why = activeDown ? "the active gateway is down"
                : ranking.FindRejected(active)?.Message ?? "the active gateway is no longer offered";
            var target = (standby != active ? ranking.Find(standby) : null) ?? ranking.Ranked.FirstOrDefault(r => r.Id != active);
            if (target is null)
                return activeDown ? Nothing(ranking, why) : Decision(DecisionKind.Stay, null, ranking, standby, active, $"{why}, but no other gateway is usable");
            return Decision(DecisionKind.Failover, target, ranking, standby, active, target.Id == standby ? $"{why}; the standby takes over" : why);
        }

        if (!current.Preferred && PreferredBack(ranking, now) is { } preferred)
            return Decision(DecisionKind.SwitchTo, preferred, ranking, standby, null,
                $"the preferred gateway has been usable for {(now - _preferredUsableSince[preferred.Id]).TotalSeconds:0} s");

        if (SustainedChallenger(ranking, current, now) is { } challenger)
            return Decision(DecisionKind.SwitchTo, challenger, ranking, standby, null,
                $"scored {1 - (challenger.Score / current.Score):P0} better than {current.Candidate} for {(now - _betterSince[challenger.Id]).TotalSeconds:0} s");

        return Decision(DecisionKind.Stay, current, ranking, standby, null, "the active gateway is healthy");
    }

    private void TrackPreferred(Ranking ranking, DateTimeOffset now, string? down)
    {
        foreach (var id in _preferredUsableSince.Keys.ToList())
            if (ranking.Find(id) is not { Preferred: true, Measured: true })
                _preferredUsableSince.Remove(id);
        foreach (var r in ranking.Ranked)
            if (r is { Preferred: true, Measured: true } && r.Id != down)
                _preferredUsableSince.TryAdd(r.Id, now);
    }

    private RankedCandidate? PreferredBack(Ranking ranking, DateTimeOffset now) =>
        ranking.Ranked.FirstOrDefault(r => r.Preferred
            && _preferredUsableSince.TryGetValue(r.Id, out var since)
            && now - since >= _options.PreferredReturnAfter);

    private RankedCandidate? SustainedChallenger(Ranking ranking, RankedCandidate current, DateTimeOffset now)
    {
        foreach (var id in _betterSince.Keys.ToList())
            if (ranking.Find(id) is null)
                _betterSince.Remove(id);
        foreach (var r in ranking.Ranked)
        {
            if (r.Id == current.Id)
                continue;
            var eligible = r.Measured && (r.Preferred || !current.Preferred);
            if (eligible && ClearlyBetter(r, current))
                _betterSince.TryAdd(r.Id, now);
            else
                _betterSince.Remove(r.Id);
        }
        return ranking.Ranked.FirstOrDefault(r =>
            _betterSince.TryGetValue(r.Id, out var since) && now - since >= _options.SwitchAfter);
    }

    // Better even if the challenger's loss is at the worst and the incumbent's at the best the probes allow.
    private bool ClearlyBetter(RankedCandidate challenger, RankedCandidate incumbent) =>
        challenger.Pessimistic <= incumbent.Optimistic * (1 - _options.SwitchMargin)
        && incumbent.Optimistic - challenger.Pessimistic >= _options.SwitchMinimumGain.TotalMilliseconds;

    private SelectionDecision Decision(DecisionKind kind, RankedCandidate? target, Ranking ranking, string? standby, string? down, string reason) =>
        new(kind, target, ChooseStandby(ranking, target?.Id ?? _active, standby, down), reason);

    // The runner-up, but an up standby is kept unless another gateway is clearly better: moving the
    // standby costs a tunnel teardown and setup for nothing the traffic would notice.
    private RankedCandidate? ChooseStandby(Ranking ranking, string? target, string? standby, string? down)
    {
        if (!_options.Standby)
            return null;
        var best = ranking.Ranked.FirstOrDefault(r => r.Id != target && r.Id != down);
        if (best is null || standby == target || standby == down || ranking.Find(standby) is not { } kept)
            return best;
        var preferredWaiting = best.Preferred && !kept.Preferred;
        return preferredWaiting || ClearlyBetter(best, kept) ? best : kept;
    }

    private static SelectionDecision Nothing(Ranking ranking, string? why = null)
    {
        var known = ranking.Ranked.Length + ranking.Rejected.Length;
        var detail = known == 0 ? "no gateway is known yet"
            : ranking.Rejected.IsEmpty ? "no other gateway is known"
            : $"no usable gateway: {string.Join("; ", ranking.Rejected.Take(3).Select(r => r.Message))}";
        return new SelectionDecision(DecisionKind.NoneAvailable, null, null, why is null ? detail : $"{why}; {detail}");
    }
}
