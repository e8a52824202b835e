namespace Mnigs.Core.Config.Uci;

/// <summary>One <c>config TYPE ['NAME']</c> block of a UCI file and its statements, in file order.</summary>
/// <param name="Name">The section's name, or null for an anonymous section.</param>
/// <param name="Line">1-based line number of the <c>config</c> statement.</param>
public sealed record UciSection(string Type, string? Name, int Line, IReadOnlyList<UciOption> Options);
