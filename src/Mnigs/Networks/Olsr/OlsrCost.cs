namespace Mnigs.Networks.Olsr;

/// <summary>
/// olsrd's link and route costs in its own unit: 1024 per unit of ETX, so a perfect link costs 1024 (lq_plugin.h,
/// LQ_PLUGIN_LC_MULTIPLIER). olsrd 0.6 and 0.9.0 print these whole numbers; 0.9.5 and later print ETX with six
/// decimals ("4.479492"), except for a broken cost, which every version prints as the unscaled limit.
/// </summary>
public static class OlsrCost
{
    public const double PerEtx = 1024;

    /// <summary>LINK_COST_BROKEN: a link or topology edge at or above it is unusable.</summary>
    public const double LinkBroken = 1 << 22;

    /// <summary>ROUTE_COST_BROKEN.</summary>
    public const double RouteBroken = uint.MaxValue;

    /// <summary>
    /// A cost as olsrd printed it, in olsrd's unit. Text with a decimal point or exponent is ETX (0.9.5 and later);
    /// a whole number is already in olsrd's unit, except below 1024, where no cost of olsrd's unit can be (ETX is
    /// at least 1), so it is read as ETX too. Null for anything negative or not finite.
    /// </summary>
    public static double? FromText(string text, double value)
    {
        if (!double.IsFinite(value) || value < 0)
            return null;
        var scaled = text.AsSpan().IndexOfAny('.', 'e', 'E') >= 0 || value < PerEtx;
        if (value >= LinkBroken)
            return value;
        return scaled ? value * PerEtx : value;
    }

    /// <summary>A cost as the whole number <see cref="Neighbour.Cost"/> and <see cref="ExitHint.Metric"/> carry.</summary>
    public static int ToMetric(double cost) => (int)Math.Min(Math.Round(cost), int.MaxValue);
}
