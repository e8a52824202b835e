namespace Mnigs.Core.Directory;

/// <summary>What <see cref="DirectoryBook.Merge(DirectoryRecord, DateTimeOffset)"/> did with one record.</summary>
public readonly record struct MergeResult(MergeOutcome Outcome, RecordRejection? Rejection = null, string? Error = null)
{
    /// <summary>The book changed: the record was added or replaced an older one.</summary>
    public bool Accepted => Outcome is MergeOutcome.Added or MergeOutcome.Updated;

    public static MergeResult Refused(RecordRejection why, string error) => new(MergeOutcome.Rejected, why, error);

    public override string ToString() => Rejection is { } why ? $"{Outcome} ({why}: {Error})" : Outcome.ToString();
}
