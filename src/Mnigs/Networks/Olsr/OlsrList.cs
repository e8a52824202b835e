namespace Mnigs.Networks.Olsr;

/// <summary>The entries of one jsoninfo list, and how many entries could not be read (skipped, never fatal).</summary>
public sealed record OlsrList<T>(IReadOnlyList<T> Items, int Skipped, string? FirstSkipped)
{
    public static readonly OlsrList<T> Empty = new([], 0, null);
}
