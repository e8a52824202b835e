namespace Mnigs.Core.Selection;

/// <summary>What <see cref="SelectionPolicy"/> tells the daemon to do with the active connection.</summary>
public enum DecisionKind
{
    /// <summary>Keep the active gateway.</summary>
    Stay,

    /// <summary>No active connection: connect to the target.</summary>
    Connect,

    /// <summary>The active connection is healthy but the target has been clearly better for long enough,
    /// or it is the preferred gateway back in health: move to it.</summary>
    SwitchTo,

    /// <summary>The active gateway is down or no longer usable: move to the target now.</summary>
    Failover,

    /// <summary>No gateway can be used: say so in status and keep trying.</summary>
    NoneAvailable,
}
