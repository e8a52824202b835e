namespace Mnigs.Networks.Yggdrasil;

/// <summary>The entries of one list answer, and how many entries could not be read (skipped, never fatal).</summary>
public sealed record YggdrasilList<T>(IReadOnlyList<T> Items, int Skipped, string? FirstSkipped);
