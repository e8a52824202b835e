namespace Mnigs.Core.Directory;

public enum MergeOutcome
{
    /// <summary>A node the book did not know.</summary>
    Added,

    /// <summary>A newer record of a node the book knew.</summary>
    Updated,

    /// <summary>The very record the book holds.</summary>
    Unchanged,

    /// <summary>An older record (a lower sequence) than the book holds: ignored, it is no news.</summary>
    Stale,

    /// <summary>Refused; <see cref="MergeResult.Rejection"/> says why.</summary>
    Rejected,
}
