using Mnigs.Core.Config;
using Mnigs.Daemon;
using Mnigs.Networks;
using Mnigs.Store;

namespace Mnigs.Discovery;

/// <summary>
/// Every gateway this node knows of now: the directory's live records, recent scans and the routing
/// protocols' own exit announcements, merged by <see cref="GatewayList"/>. What <c>listGateways</c>
/// shows and what the autopilot chooses from.
/// </summary>
public sealed class KnownGateways(MnigsConfig config, NodeIdentity identity, NetworkMonitor networks, DirectoryService directory,
    MnigsStore store, TimeProvider time)
{
    public async Task<List<GatewayList.Entry>> ListAsync(CancellationToken ct)
    {
        var hints = new List<(string, ExitHint)>();
        foreach (var adapter in networks.Adapters)
        {
            if (networks.Snapshots.TryGetValue(adapter.Name, out var snap) && !snap.Health.Available)
                continue;
            try
            {
                hints.AddRange((await adapter.ExitHintsAsync(ct)).Select(h => (adapter.Name, h)));
            }
            catch (IOException)
            {
                // The routing daemon went away since the last refresh; its hints are simply missing.
            }
        }
        return GatewayList.Build(identity.NodeId, directory.Live(), directory.Find, await store.ListGatewaysAsync(ct), hints,
            time.GetUtcNow(), TimeSpan.FromSeconds(Math.Max(config.RecordLifetime, config.ScanInterval * 2)),
            address => networks.NetworksOf(address).FirstOrDefault());
    }

    /// <summary>The gateway took itself off the directory (or its record ran out) after <paramref name="since"/>.</summary>
    public bool WithdrawnSince(string nodeId, DateTimeOffset since) =>
        directory.Find(nodeId) is { } record && record.EndedSince(since, time.GetUtcNow());
}
