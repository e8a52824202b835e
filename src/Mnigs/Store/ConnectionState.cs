namespace Mnigs.Store;

/// <summary>Where a subscriber's connection through a gateway stands.</summary>
public enum ConnectionState
{
    /// <summary>Requested from the gateway, tunnel not yet up.</summary>
    Connecting,

    /// <summary>Tunnel up, Internet routed through it.</summary>
    Up,

    /// <summary>Tunnel failed or torn down; the session may still be held at the gateway.</summary>
    Down,

    /// <summary>Released at the gateway (or given up); nothing of it is left on the host.</summary>
    Released,
}
