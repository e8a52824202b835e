namespace Mnigs.Core.Config;

/// <summary>The loaded configuration, or null with every problem found, each starting with its line.</summary>
public sealed record ConfigLoadResult(MnigsConfig? Config, IReadOnlyList<string> Errors)
{
    public bool Ok => Config is not null;
}
