namespace Mnigs.Core.Config;

/// <summary>
/// One problem in a configuration text, with the 1-based line it is on (0 when it concerns no
/// single line). <see cref="Message"/> never mentions the line, so the same problem can be
/// recognised after lines moved.
/// </summary>
public sealed record ConfigError(int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"line {Line}: {Message}" : Message;
}
