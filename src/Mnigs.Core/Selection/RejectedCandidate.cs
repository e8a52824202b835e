namespace Mnigs.Core.Selection;

/// <summary>A gateway left out of the ranking, with a message a mesh operator can act on.</summary>
public sealed record RejectedCandidate(GatewayCandidate Candidate, Rejection Reason, string Message)
{
    public string Id => Candidate.Id;
}
