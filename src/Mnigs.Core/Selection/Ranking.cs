using System.Collections.Immutable;

namespace Mnigs.Core.Selection;

/// <summary>The outcome of <see cref="CandidateRanker.Rank"/>: usable gateways best first, and the rest with the reason.</summary>
public sealed record Ranking(ImmutableArray<RankedCandidate> Ranked, ImmutableArray<RejectedCandidate> Rejected)
{
    public static Ranking Empty { get; } = new([], []);

    public RankedCandidate? Best => Ranked.IsEmpty ? null : Ranked[0];

    public RankedCandidate? Find(string? id) =>
        id is null ? null : Ranked.FirstOrDefault(r => r.Id == id);

    public RejectedCandidate? FindRejected(string? id) =>
        id is null ? null : Rejected.FirstOrDefault(r => r.Id == id);

    /// <summary>Where <paramref name="id"/> stands, 0 for the best; -1 when it is not ranked.</summary>
    public int IndexOf(string? id)
    {
        for (var i = 0; i < Ranked.Length; i++)
            if (Ranked[i].Id == id)
                return i;
        return -1;
    }
}
