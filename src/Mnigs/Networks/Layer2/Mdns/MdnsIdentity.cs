namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>Who this daemon says it is on the segment: its node id and name, and the port of its JSON-RPC endpoint.</summary>
public sealed record MdnsIdentity(string NodeId, string Name, int RpcPort);
