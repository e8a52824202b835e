namespace Mnigs.Store;

/// <summary>How this daemon learned of a gateway.</summary>
public enum GatewaySource
{
    /// <summary>Its nodeInfo answered during a scan.</summary>
    Scan,

    /// <summary>A signed directory record named it.</summary>
    Directory,

    /// <summary>The routing protocol announces an exit there (babel default route, OLSR HNA, batman-adv gateway); not yet confirmed.</summary>
    Hint,
}
