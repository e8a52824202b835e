using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Suites;

namespace Mnigs.Core.Gateway;

/// <summary>
/// One subscriber's session on this gateway: bound to the mesh address that opened it; renew and
/// release are honoured only from there.
/// </summary>
public sealed record GatewaySession
{
    public required string Sid { get; init; }
    public required IPAddress MeshAddress { get; init; }
    public required Suite Suite { get; init; }
    public string SubscriberId { get; init; } = "";
    public string Name { get; init; } = "";
    public int Port { get; init; }
    public IPAddress? Ipv4 { get; init; }
    public IPAddress? Ipv6 { get; init; }
    /// <summary>What the tunnel adapter keeps for this session (e.g. the subscriber's WireGuard public key).</summary>
    public JsonObject TunnelState { get; init; } = [];
    public string PaymentState { get; init; } = "active";
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
}
