using System.Collections.Immutable;
using System.Net;
using Mnigs.Core.Directory;

namespace Mnigs.Core.Selection;

/// <summary>
/// What the subscriber knows about one gateway when it chooses: what the gateway advertises (from
/// its directory record or nodeInfo), what the operator of this node prefers, and what this node
/// measured. The daemon builds one per known gateway before each <see cref="CandidateRanker.Rank"/>.
/// </summary>
public sealed record GatewayCandidate
{
    /// <summary>The gateway's node id (directory record), or its address when only a scan found it.</summary>
    public required string Id { get; init; }

    public string Name { get; init; } = "";

    /// <summary>The gateway's mesh address, where it answers JSON-RPC.</summary>
    public required IPAddress Address { get; init; }

    public int Port { get; init; } = 65533;

    public ImmutableArray<SuiteOffer> Suites { get; init; } = [];

    /// <summary>Sessions open at the gateway, as it advertised.</summary>
    public int Load { get; init; }

    /// <summary>Sessions the gateway accepts at most; null when it did not say.</summary>
    public int? Capacity { get; init; }

    /// <summary>Named by <c>subscriber.preferredGateway</c>.</summary>
    public bool Preferred { get; init; }

    /// <summary>This node holds a session there (active or standby), so its slot is already counted in <see cref="Load"/>.</summary>
    public bool Connected { get; init; }

    /// <summary>Probes to the gateway over the mesh.</summary>
    public QualitySummary Mesh { get; init; }

    /// <summary>The routing protocol's metric towards the gateway (babel's, OLSR's ETX ...); lower is better; null when unknown.</summary>
    public int? PathMetric { get; init; }

    /// <summary>Probes through this node's tunnel to the gateway; unmeasured when there is no tunnel.</summary>
    public QualitySummary Tunnel { get; init; }

    public override string ToString() => Name.Length > 0 ? $"{Name} ({Address})" : Address.ToString();
}
