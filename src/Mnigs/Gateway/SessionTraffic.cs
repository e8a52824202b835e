using System.Text.Json.Nodes;
using Mnigs.Platform;
using Mnigs.Store;
using Mnigs.Tunnels;

namespace Mnigs.Gateway;

/// <summary>
/// The bytes each gateway session has carried, for listSessions: <see cref="RefreshAsync"/> (every 5 s
/// in the daemon) reads the per-peer counters of the gateway's WireGuard interfaces and matches them to
/// sessions by the subscriber's public key (<c>TunnelState["publicKey"]</c>). The kernel counts from
/// zero whenever a peer or interface is created again (a restart does both), so totals add up readings
/// across such resets, and are kept in the store so they outlive a restart.
/// </summary>
public sealed class SessionTraffic(GatewayService gateway, IReadOnlyDictionary<string, ITunnelAdapter> tunnels,
    IHostPlatform platform, MnigsStore store, ILogger<SessionTraffic> log)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Tally> _tallies = new(StringComparer.Ordinal);

    /// <summary>Takes back the totals stored by the previous run.</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        var stored = await store.LoadSessionCountersAsync(ct);
        lock (_lock)
        {
            foreach (var (sid, counters) in stored)
                _tallies[sid] = new Tally { Base = counters, Saved = counters };
        }
    }

    /// <summary>Bytes received from (<see cref="SessionCounters.BytesIn"/>) and sent to the session's subscriber so far.</summary>
    public SessionCounters Of(string sid)
    {
        lock (_lock)
            return _tallies.TryGetValue(sid, out var tally) ? tally.Total : default;
    }

    /// <summary>Reads the counters of every tunnel that has sessions and records what changed.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var sessions = gateway.Sessions;
        var readings = new Dictionary<string, SessionCounters>(StringComparer.Ordinal);
        foreach (var tunnel in tunnels.Values)
        {
            var keyed = sessions
                .Where(s => s.Suite.Tunnel == tunnel.Name)
                .Select(s => (s.Sid, Key: s.TunnelState["publicKey"] is JsonValue v && v.TryGetValue<string>(out var k) ? k : null))
                .Where(s => s.Key is not null)
                .ToList();
            if (keyed.Count == 0)
                continue;
            foreach (var iface in tunnel.GatewayInterfaces)
            {
                IReadOnlyDictionary<string, (long Rx, long Tx)> peers;
                try
                {
                    peers = await platform.ReadPeerTransfersAsync(iface, ct);
                }
                catch (Exception e) when (e is CommandFailedException or TimeoutException)
                {
                    // The interface may be on its way up or down; the next round reads it again.
                    log.LogDebug("Cannot read the traffic of {Interface}: {Error}", iface, e.Message);
                    continue;
                }
                foreach (var (sid, key) in keyed)
                {
                    if (peers.TryGetValue(key!, out var t))
                        readings[sid] = new SessionCounters(t.Rx, t.Tx);
                }
            }
        }

        var changed = new List<(string Sid, SessionCounters Total)>();
        lock (_lock)
        {
            var current = sessions.Select(s => s.Sid).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _tallies.Keys.Where(sid => !current.Contains(sid)).ToList())
                _tallies.Remove(gone);
            foreach (var (sid, reading) in readings)
            {
                if (!_tallies.TryGetValue(sid, out var tally))
                    _tallies[sid] = tally = new Tally();
                tally.Add(reading);
                if (tally.Total != tally.Saved)
                    changed.Add((sid, tally.Total));
            }
        }

        foreach (var (sid, total) in changed)
        {
            await store.UpdateSessionCountersAsync(sid, total, ct);
            lock (_lock)
            {
                if (_tallies.TryGetValue(sid, out var tally))
                    tally.Saved = total;
            }
        }
    }

    private sealed class Tally
    {
        /// <summary>What earlier kernel counters (before a reset, or a previous run) had counted.</summary>
        public SessionCounters Base { get; set; }

        public SessionCounters Last { get; private set; }

        public SessionCounters Saved { get; set; }

        public SessionCounters Total => new(Base.BytesIn + Last.BytesIn, Base.BytesOut + Last.BytesOut);

        public void Add(SessionCounters reading)
        {
            if (reading.BytesIn < Last.BytesIn || reading.BytesOut < Last.BytesOut)
                Base = Total;
            Last = reading;
        }
    }
}
