using System.Net;

namespace Mnigs.Networks;

/// <summary>
/// Keeps the last known health and addresses of every enabled network adapter, so nodeInfo and status
/// answer from memory and only suites of working networks are advertised.
/// </summary>
public sealed class NetworkMonitor(IReadOnlyList<INetworkAdapter> adapters, ILogger<NetworkMonitor> log)
{
    private volatile IReadOnlyDictionary<string, NetworkSnapshot> _snapshots = new Dictionary<string, NetworkSnapshot>();

    public IReadOnlyList<INetworkAdapter> Adapters => adapters;

    public IReadOnlyDictionary<string, NetworkSnapshot> Snapshots => _snapshots;

    public IEnumerable<string> AvailableNetworks => _snapshots.Values.Where(s => s.Health.Available).Select(s => s.Name);

    public event Action? Changed;

    /// <summary>The available networks through which <paramref name="address"/> was reachable at the last refresh.</summary>
    public IReadOnlyList<string> NetworksOf(IPAddress address) =>
        [.. _snapshots.Values.Where(s => s.Health.Available && s.Reachable.Contains(address)).Select(s => s.Name)];

    public async Task RefreshAsync(CancellationToken ct)
    {
        var next = new Dictionary<string, NetworkSnapshot>();
        foreach (var adapter in adapters)
        {
            AdapterHealth health;
            IReadOnlyList<IPAddress> addresses = [];
            IReadOnlyList<IPAddress> reachable = [];
            try
            {
                health = await adapter.CheckAsync(ct);
                if (health.Available)
                {
                    addresses = await adapter.MyAddressesAsync(ct);
                    reachable = await adapter.ReachableHostsAsync(ct);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                health = AdapterHealth.Unavailable($"{adapter.Name}: {e.Message}");
            }
            next[adapter.Name] = new NetworkSnapshot(adapter.Name, health, addresses, reachable);
            if (!_snapshots.TryGetValue(adapter.Name, out var before) || before.Health.Available != health.Available)
                log.LogInformation("Network {Network} is {State}: {Message}", adapter.Name, health.Available ? "up" : "down", health.Message);
        }
        var changed = !SameAvailability(_snapshots, next);
        _snapshots = next;
        if (changed)
            Changed?.Invoke();
    }

    private static bool SameAvailability(IReadOnlyDictionary<string, NetworkSnapshot> a, IReadOnlyDictionary<string, NetworkSnapshot> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var o) && o.Health.Available == kv.Value.Health.Available
            && o.Addresses.SequenceEqual(kv.Value.Addresses));
}

/// <param name="Reachable">Hosts the routing protocol reached at the last refresh (to tell which network an address is on).</param>
public sealed record NetworkSnapshot(string Name, AdapterHealth Health, IReadOnlyList<IPAddress> Addresses, IReadOnlyList<IPAddress> Reachable);
