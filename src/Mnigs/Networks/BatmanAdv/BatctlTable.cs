namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// The rows of one batctl table that could be read, and how many lines could not (skipped, never fatal):
/// a line Mnigs cannot read is a value here, not an exception.
/// </summary>
public sealed record BatctlTable<T>(IReadOnlyList<T> Rows, int Skipped, string? FirstSkipped);
