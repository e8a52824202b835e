namespace Mnigs.Core.Config;

/// <summary>One <c>key = value</c> line of an <see cref="IniDocument"/>, spelled as in the file.</summary>
/// <param name="Line">1-based line number.</param>
public sealed record IniEntry(string Section, string Key, string Value, int Line);
