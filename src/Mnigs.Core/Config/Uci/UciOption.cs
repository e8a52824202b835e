namespace Mnigs.Core.Config.Uci;

/// <summary>
/// One <c>option NAME VALUE</c> or <c>list NAME VALUE</c> statement of a UCI file.
/// </summary>
/// <param name="IsList">True for <c>list</c>: its values add up; an <c>option</c> replaces what came before.</param>
/// <param name="Line">1-based line number.</param>
public sealed record UciOption(string Name, string Value, bool IsList, int Line);
