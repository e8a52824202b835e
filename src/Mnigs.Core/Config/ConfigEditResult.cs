namespace Mnigs.Core.Config;

/// <summary>
/// The outcome of an edit: the new text, or the unchanged text and why the edit was refused.
/// </summary>
public sealed record ConfigEditResult(bool Ok, string Text, string? Error);
