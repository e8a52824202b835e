using System.Net;
using Mnigs.Core.Suites;

namespace Mnigs.Store;

/// <summary>A gateway this daemon knows of, keyed by the address and port it answers on.</summary>
public sealed record GatewayRecord
{
    /// <summary>The gateway's node id; null for a hint, which names only an address.</summary>
    public string? NodeId { get; init; }
    public string Name { get; init; } = "";
    public required IPAddress Address { get; init; }
    public required int Port { get; init; }
    public IReadOnlyList<Suite> Suites { get; init; } = [];
    public required GatewaySource Source { get; init; }
    public required DateTimeOffset LearnedAt { get; init; }
    public required DateTimeOffset LastSeen { get; init; }
}
