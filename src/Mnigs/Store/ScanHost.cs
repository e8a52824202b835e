using System.Net;

namespace Mnigs.Store;

/// <summary>One address a scan reached; <see cref="RpcOk"/> when a Mnigs daemon answered there.</summary>
public sealed record ScanHost(IPAddress Address, string? NodeId, string Name, ScanHostKind Kind, bool RpcOk);
