using Mnigs.Core.Selection;
using Mnigs.Core.Tests.Gateway;
using static Mnigs.Core.Tests.Selection.Gateways;

namespace Mnigs.Core.Tests.Selection;

/// <summary>
/// A subscriber's decision loop with a manual clock: rank what it is shown, decide, and obey the
/// decision at once, as the daemon will.
/// </summary>
internal sealed class Subscriber(SelectionOptions? options = null)
{
    private readonly SelectionOptions _options = options ?? SelectionOptions.Default;
    private readonly SelectionPolicy _policy = new(options ?? SelectionOptions.Default);

    public ManualClock Clock { get; } = new(T0);

    public string? Active { get; set; }

    public string? Standby { get; set; }

    public List<SelectionDecision> Moves { get; } = [];

    public SelectionDecision Decide(params GatewayCandidate[] candidates) => Decide(false, candidates);

    public SelectionDecision Decide(bool activeDown, params GatewayCandidate[] candidates)
    {
        var ranking = new CandidateRanker(_options).Rank(candidates, Supported, Clock.Now);
        var decision = _policy.Decide(ranking, Clock.Now, Active, activeDown, Standby);
        if (decision.Moves)
        {
            Moves.Add(decision);
            Active = decision.TargetId;
        }
        else if (decision.Kind == DecisionKind.NoneAvailable)
        {
            Active = null;
        }
        Standby = decision.StandbyId;
        return decision;
    }

    /// <summary>Decides once a second for <paramref name="duration"/>; returns the moment of each move.</summary>
    public List<(TimeSpan At, SelectionDecision Decision)> Run(TimeSpan duration, Func<TimeSpan, GatewayCandidate[]> world)
    {
        var moves = new List<(TimeSpan, SelectionDecision)>();
        var start = Clock.Now;
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += TimeSpan.FromSeconds(1))
        {
            Clock.Advance(start + elapsed - Clock.Now);
            var decision = Decide(world(elapsed));
            if (decision.Moves)
                moves.Add((elapsed, decision));
        }
        Clock.Advance(start + duration - Clock.Now);
        return moves;
    }
}
