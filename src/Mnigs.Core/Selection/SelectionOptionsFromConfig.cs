using Mnigs.Core.Config;

namespace Mnigs.Core.Selection;

/// <summary>The autopilot's knobs as the <c>[subscriber]</c> section sets them; the rest keep <see cref="SelectionOptions"/>' defaults.</summary>
public static class SelectionOptionsFromConfig
{
    public static SelectionOptions From(MnigsConfig config) => new()
    {
        ProbeInterval = TimeSpan.FromMilliseconds(config.ProbeIntervalMs),
        ProbeTimeout = TimeSpan.FromMilliseconds(config.ProbeIntervalMs),
        MeshProbeInterval = TimeSpan.FromMilliseconds(config.MeshProbeIntervalMs),
        MissesToDown = config.MissedProbes,
        MaxPriceMicros = config.MaxPriceMicros,
        SwitchMargin = config.SwitchMarginPercent / 100.0,
        SwitchAfter = TimeSpan.FromSeconds(config.SwitchAfterSeconds),
        PreferredReturnAfter = TimeSpan.FromSeconds(config.PreferredReturnAfterSeconds),
        Standby = config.Standby,
    };
}
