namespace Mnigs.Store;

/// <summary>
/// What the probes of one gateway over one <see cref="Path"/> (<see cref="QualityPath"/>) showed
/// during one period ending at <see cref="At"/>: the median round-trip time of the answered probes
/// (null when none was answered), the share lost (0..1), and how many probes that was.
/// <see cref="Gateway"/> is whatever key the caller uses for it (node id, or address:port for a
/// gateway without one).
/// </summary>
public sealed record QualitySample(string Gateway, string Path, DateTimeOffset At, double? RttMs, double Loss, int Probes)
{
    /// <summary>Longest gateway key the store accepts.</summary>
    public const int MaxGatewayLength = 256;
}
