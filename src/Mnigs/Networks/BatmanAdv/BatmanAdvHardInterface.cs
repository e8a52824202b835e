namespace Mnigs.Networks.BatmanAdv;

/// <summary>One line of <c>batctl meshif bat0 interface</c>: an interface batman-adv meshes over, and whether it is active.</summary>
public sealed record BatmanAdvHardInterface(string Name, bool Active);
