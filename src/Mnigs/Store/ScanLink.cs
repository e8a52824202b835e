using System.Net;

namespace Mnigs.Store;

/// <summary>A link of the network graph between two addresses, as the named routing protocol reported it.</summary>
public sealed record ScanLink(IPAddress A, IPAddress B, string Network);
