namespace Mnigs.Core.Selection;

/// <summary>What a <see cref="DownDetector"/> believes about a tunnel.</summary>
public enum LinkState
{
    /// <summary>Just created: no answer yet, and not yet enough misses to call it down.</summary>
    Unknown,
    Up,
    Down,
}
