namespace Mnigs.Core.Config.Uci;

/// <summary>The mnigs.conf text made from a UCI file, or null with every problem, each on its line of the UCI file.</summary>
public sealed record UciConversion(string? Ini, IReadOnlyList<ConfigError> Errors)
{
    public bool Ok => Ini is not null;
}
