using System.Net;

namespace Mnigs.Networks.Cjdns;

/// <summary>This node on cjdns: its address, its public key and the cjdns protocol version it speaks.</summary>
public sealed record CjdnsSelf(IPAddress Address, string Key, long? ProtocolVersion);
