using System.Net;

namespace Mnigs.Store;

/// <summary>A Mnigs node this daemon has met, keyed by its node id.</summary>
public sealed record NodeRecord
{
    public required string Id { get; init; }
    public string Name { get; init; } = "";
    public IReadOnlyList<IPAddress> Addresses { get; init; } = [];
    public required int RpcPort { get; init; }
    public required DateTimeOffset FirstSeen { get; init; }
    public required DateTimeOffset LastSeen { get; init; }
}
