namespace Mnigs.Core.Selection;

/// <summary>
/// Loss and round-trip time over a <see cref="QualityWindow"/>. The default value means "not measured":
/// no samples, loss and RTT unknown.
/// </summary>
/// <param name="Samples">Probes whose outcome is known.</param>
/// <param name="Answered">Of those, the ones answered in time.</param>
/// <param name="RttMedian">Median RTT of the answered probes; null when none was answered.</param>
/// <param name="RttP90">90th percentile (nearest rank) of the answered probes' RTT.</param>
/// <param name="RttMean">Mean RTT of the answered probes.</param>
public readonly record struct QualitySummary(int Samples, int Answered, TimeSpan? RttMedian, TimeSpan? RttP90, TimeSpan? RttMean)
{
    public int Lost => Samples - Answered;

    /// <summary>Lost ÷ sent, 0 to 1; null when nothing was sent.</summary>
    public double? Loss => Samples == 0 ? null : (double)Lost / Samples;
}
