using System.Globalization;
using Prometheus;

namespace Mnigs.Metrics;

/// <summary>
/// Every Prometheus metric of this node, in a registry of its own: prometheus-net's static default
/// registry would add process metrics and be shared by everything in the process (and every test).
/// Speaks the Prometheus text exposition format 0.0.4 through prometheus-net 8.2
/// (https://prometheus.io/docs/instrumenting/exposition_formats/). Tunnel byte counters are the
/// kernel's own, read from sysfs (<c>/sys/class/net/IFACE/statistics/rx_bytes</c>, Linux
/// Documentation/ABI/testing/sysfs-class-net-statistics) when a scrape asks for them.
/// </summary>
public sealed class MnigsMetrics
{
    /// <summary>Longest label value kept; gateway names and ids come from remote peers.</summary>
    public const int MaxLabelLength = 64;

    private readonly Func<IEnumerable<string>> _tunnelInterfaces;
    private readonly string _sysClassNet;
    // Each update below is a few registry calls that must not interleave (a rename removes, then sets).
    private readonly Lock _lock = new();
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly Gauge _rtt;
    private readonly Gauge _loss;
    private readonly Gauge _tunnelUp;
    private readonly Counter _failovers;
    private readonly Gauge _online;
    private readonly Gauge _sessions;
    private readonly Counter _receiveBytes;
    private readonly Counter _transmitBytes;

    public MnigsMetrics(Func<IEnumerable<string>> tunnelInterfaces, string sysClassNet = "/sys/class/net")
    {
        _tunnelInterfaces = tunnelInterfaces;
        _sysClassNet = sysClassNet;
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        // Unlabelled metrics appear only once their owner sets them: a node that is no gateway shows no session count.
        var setLater = new GaugeConfiguration { SuppressInitialValue = true };

        _rtt = factory.CreateGauge("mnigs_gateway_rtt_seconds",
            "Median round-trip time to a gateway in seconds, as this node measures it. path=mesh: across the mesh to the " +
            "gateway's address; path=tunnel: through this node's tunnel to that gateway.",
            ["gateway", "name", "path"]);
        _loss = factory.CreateGauge("mnigs_gateway_loss_ratio",
            "Share of probes to a gateway that got no answer, from 0 (none lost) to 1 (all lost); path as for mnigs_gateway_rtt_seconds.",
            ["gateway", "name", "path"]);
        _tunnelUp = factory.CreateGauge("mnigs_tunnel_up",
            "1 while the gateway answers probes through this subscriber tunnel, 0 while it does not. role=active: the tunnel " +
            "carrying this node's Internet traffic; standby: ready to take over; test: being tried out.",
            ["interface", "gateway", "role"]);
        _failovers = factory.CreateCounter("mnigs_failovers_total",
            "Times this node moved its Internet traffic to another gateway, by reason (e.g. down, renew, withdrawn, better, preferred).",
            ["reason"]);
        _online = factory.CreateGauge("mnigs_online",
            "1 while this node reaches the Internet through some gateway, 0 while it does not.", setLater);
        _sessions = factory.CreateGauge("mnigs_gateway_sessions",
            "Subscriber sessions open on this node as a gateway.", setLater);
        _receiveBytes = factory.CreateCounter("mnigs_tunnel_receive_bytes_total",
            "Bytes received on a Mnigs tunnel interface (gateway or subscriber side), as the kernel counts them.",
            ["interface"]);
        _transmitBytes = factory.CreateCounter("mnigs_tunnel_transmit_bytes_total",
            "Bytes sent on a Mnigs tunnel interface (gateway or subscriber side), as the kernel counts them.",
            ["interface"]);

        _registry.AddBeforeCollectCallback(ReadTunnelBytes);
    }

    /// <summary>Per gateway quality as the subscriber measures it; a null value (not measured) removes that series.</summary>
    public void SetGatewayQuality(string gatewayId, string gatewayName, string path, TimeSpan? rttMedian, double? loss)
    {
        var (id, name, via) = (Label(gatewayId), Label(gatewayName), Label(path));
        lock (_lock)
        {
            SetQuality(_rtt, id, name, via, rttMedian?.TotalSeconds);
            SetQuality(_loss, id, name, via, loss);
        }
    }

    /// <summary>Forgets every gateway series whose id is not in <paramref name="known"/> (gateways that disappeared).</summary>
    public void RetainGateways(IReadOnlyCollection<string> known)
    {
        var keep = known.Select(Label).ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            RemoveWhere(_rtt, labels => !keep.Contains(labels[0]));
            RemoveWhere(_loss, labels => !keep.Contains(labels[0]));
        }
    }

    /// <summary>One subscriber tunnel: role is "active", "standby" or "test"; <paramref name="up"/> = probes answered.</summary>
    public void SetTunnel(string interfaceName, string gatewayId, string role, bool up)
    {
        var (iface, gateway, tunnelRole) = (Label(interfaceName), Label(gatewayId), Label(role));
        lock (_lock)
        {
            // One series per interface: a standby promoted to active, or reused for another gateway, replaces its old one.
            RemoveWhere(_tunnelUp, labels => labels[0] == iface && (labels[1] != gateway || labels[2] != tunnelRole));
            _tunnelUp.WithLabels(iface, gateway, tunnelRole).Set(up ? 1 : 0);
        }
    }

    public void RemoveTunnel(string interfaceName)
    {
        var iface = Label(interfaceName);
        lock (_lock)
            RemoveWhere(_tunnelUp, labels => labels[0] == iface);
    }

    public void CountFailover(string reason) => _failovers.WithLabels(Label(reason)).Inc();

    /// <summary>Whether this node reaches the Internet through some gateway.</summary>
    public void SetOnline(bool online) => _online.Set(online ? 1 : 0);

    /// <summary>Gateway role: sessions open now.</summary>
    public void SetGatewaySessions(int sessions) => _sessions.Set(sessions);

    /// <summary>Writes every metric in the Prometheus text format 0.0.4.</summary>
    public Task ExportAsync(Stream output, CancellationToken ct) => _registry.CollectAndExportAsTextAsync(output, ct);

    /// <summary>A label value cut to <see cref="MaxLabelLength"/> characters, never inside a surrogate pair.</summary>
    internal static string Label(string value)
    {
        if (value.Length <= MaxLabelLength)
            return value;
        var length = char.IsHighSurrogate(value[MaxLabelLength - 1]) ? MaxLabelLength - 1 : MaxLabelLength;
        return value[..length];
    }

    private static void SetQuality(Gauge gauge, string id, string name, string path, double? value)
    {
        // One series per gateway and path: a renamed gateway's series under its old name goes.
        RemoveWhere(gauge, labels => labels[0] == id && labels[2] == path && (value is null || labels[1] != name));
        if (value is { } v)
            gauge.WithLabels(id, name, path).Set(v);
    }

    private static void RemoveWhere<TChild>(Collector<TChild> collector, Func<string[], bool> remove) where TChild : ChildBase
    {
        foreach (var labels in collector.GetAllLabelValues().Where(remove).ToList())
            collector.RemoveLabelled(labels);
    }

    /// <summary>Before each scrape: one byte counter pair per tunnel interface that exists now, none for the others.</summary>
    private void ReadTunnelBytes()
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var name in _tunnelInterfaces())
            {
                // Interface names never hold a '/' (Linux dev_valid_name); one that does would read elsewhere in /sys.
                if (name is "" or "." or ".." || name.Contains('/') || !present.Add(name))
                    continue;
                if (ReadStatistic(name, "rx_bytes") is not { } received || ReadStatistic(name, "tx_bytes") is not { } sent)
                {
                    present.Remove(name);
                    continue;
                }
                Advance(_receiveBytes, name, received);
                Advance(_transmitBytes, name, sent);
            }
            RemoveWhere(_receiveBytes, labels => !present.Contains(labels[0]));
            RemoveWhere(_transmitBytes, labels => !present.Contains(labels[0]));
        }
    }

    private static void Advance(Counter counter, string iface, ulong total)
    {
        var child = counter.WithLabels(iface);
        if (total < child.Value)
        {
            // The interface was re-created and the kernel counts from 0 again: a counter reset, as Prometheus expects one.
            counter.RemoveLabelled(iface);
            child = counter.WithLabels(iface);
        }
        child.IncTo(total);
    }

    /// <summary>One counter of <c>{sysClassNet}/{iface}/statistics/</c>, or null when the interface is gone.</summary>
    private ulong? ReadStatistic(string iface, string name)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(_sysClassNet, iface, "statistics", name));
        }
        catch (IOException)
        {
            // Not there (never created, or deleted between listing and reading: sysfs then answers ENODEV).
            return null;
        }
        return ulong.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
