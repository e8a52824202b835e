namespace Mnigs.Store;

/// <summary>What a scan found at an address.</summary>
public enum ScanHostKind
{
    /// <summary>This node.</summary>
    Self,

    /// <summary>A node (running Mnigs or only routing) that offers no gateway.</summary>
    Node,

    /// <summary>A node whose nodeInfo advertises a gateway.</summary>
    Gateway,
}
