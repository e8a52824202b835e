namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// One line of <c>batctl meshif bat0 transglobal</c>: a client MAC (a remote node's own bat0, or a host bridged
/// into it) and the originator that announces it. This is how an IP neighbour on bat0 leads to a mesh node.
/// </summary>
/// <param name="Vid">The VLAN id, -1 for untagged.</param>
public sealed record BatmanAdvTranslation(MacAddress Client, int Vid, MacAddress Originator, bool Best);
