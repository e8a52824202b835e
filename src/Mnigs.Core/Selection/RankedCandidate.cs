using Mnigs.Core.Directory;

namespace Mnigs.Core.Selection;

/// <summary>A usable gateway, with the suite to ask it for and what its score was made of.</summary>
/// <param name="Suite">The cheapest acceptable suite both sides support (ties: this node's order of preference).</param>
/// <param name="Score">Lower is better; see <see cref="CandidateRanker"/> for the formula.</param>
/// <param name="Measured">Loss and RTT come from probes; when false they are the assumed values for an unmeasured gateway.</param>
/// <param name="Loss">The loss ratio the score used.</param>
/// <param name="Rtt">The round-trip time the score used.</param>
public sealed record RankedCandidate(GatewayCandidate Candidate, SuiteOffer Suite, double Score, bool Measured, double Loss, TimeSpan Rtt)
{
    public string Id => Candidate.Id;

    public bool Preferred => Candidate.Preferred;

    /// <summary>
    /// The score with the loss at the low end of what the probes allow (its Wilson interval, one
    /// standard error each side). Thirty probes cannot tell 0 % loss from 3 %, and at the default
    /// weight one lost probe in thirty moves the score by a third: hysteresis compares a challenger's
    /// <see cref="Pessimistic"/> score with the incumbent's optimistic one, so luck in a small
    /// window does not move anyone. Equal to <see cref="Score"/> when unmeasured.
    /// </summary>
    public double Optimistic { get; init; } = Score;

    /// <summary>The score with the loss at the high end of its interval; see <see cref="Optimistic"/>.</summary>
    public double Pessimistic { get; init; } = Score;

    public override string ToString() => $"{Candidate} score {Score:0.#}";
}
