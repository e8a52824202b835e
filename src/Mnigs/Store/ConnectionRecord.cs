using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mnigs.Core.Suites;

namespace Mnigs.Store;

/// <summary>
/// One connection of this subscriber through a gateway. <see cref="Secret"/> (the subscriber's
/// tunnel private key) is kept so a restarted daemon can tear the tunnel down or bring it back;
/// it is left out of <see cref="object.ToString"/>, so logging a record does not leak it.
/// </summary>
public sealed record ConnectionRecord
{
    /// <summary>0 for a connection not yet saved.</summary>
    public long Id { get; init; }
    public required IPAddress GatewayAddress { get; init; }
    public required int GatewayPort { get; init; }
    public string? GatewayId { get; init; }
    public string GatewayName { get; init; } = "";
    public required Suite Suite { get; init; }
    /// <summary>The session id the gateway issued; null until it has answered.</summary>
    public string? Sid { get; init; }
    public required string Interface { get; init; }
    public IPAddress? Ipv4 { get; init; }
    public IPAddress? Ipv6 { get; init; }
    /// <summary>The gateway's <c>tunnel</c> reply object (public material only).</summary>
    public JsonObject Tunnel { get; init; } = [];
    public string? Secret { get; init; }
    public required ConnectionState State { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>When the gateway's lease ends; null until it has answered.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? ReleasedAt { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Id = {Id}, Gateway = {GatewayAddress}:{GatewayPort}, GatewayId = {GatewayId}, GatewayName = {GatewayName}, ");
        builder.Append($"Suite = {Suite}, Sid = {Sid}, Interface = {Interface}, Ipv4 = {Ipv4}, Ipv6 = {Ipv6}, State = {State}, ");
        builder.Append($"CreatedAt = {CreatedAt:O}, ExpiresAt = {ExpiresAt:O}, ReleasedAt = {ReleasedAt:O}");
        return true;
    }
}
