namespace Mnigs.Core.Selection;

/// <summary>What to do now, and why, in words for logs and <c>status</c>.</summary>
/// <param name="Target">The gateway to connect or move to; for <see cref="DecisionKind.Stay"/> the active
/// gateway's entry when it is ranked; null for <see cref="DecisionKind.NoneAvailable"/>.</param>
/// <param name="Standby">The gateway to keep a second tunnel to when <see cref="SelectionOptions.Standby"/>
/// is on and another usable gateway exists; never the target.</param>
public sealed record SelectionDecision(DecisionKind Kind, RankedCandidate? Target, RankedCandidate? Standby, string Reason)
{
    public string? TargetId => Target?.Id;

    public string? StandbyId => Standby?.Id;

    /// <summary>True when the active connection should change.</summary>
    public bool Moves => Kind is DecisionKind.Connect or DecisionKind.SwitchTo or DecisionKind.Failover;

    public override string ToString() => Target is null ? $"{Kind}: {Reason}" : $"{Kind} {Target.Candidate}: {Reason}";
}
