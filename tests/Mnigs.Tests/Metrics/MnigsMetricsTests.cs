using System.Globalization;
using System.Text;
using Mnigs.Metrics;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Metrics;

/// <summary>What an operator's Prometheus sees of a node: the series, their labels and values in base units.</summary>
public sealed class MnigsMetricsTests : IDisposable
{
    private readonly ScratchDirectory _sys = new("sysclassnet");
    private readonly List<string> _interfaces = [];
    private readonly MnigsMetrics _metrics;

    public MnigsMetricsTests() => _metrics = new MnigsMetrics(() => _interfaces, _sys.Path);

    public void Dispose() => _sys.Dispose();

    [Fact]
    public async Task Gateway_quality_is_exported_in_seconds_and_as_a_ratio()
    {
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", TimeSpan.FromMilliseconds(25), 0.125);
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "tunnel", TimeSpan.FromMilliseconds(40), 0);

        var scrape = await Scrape.OfAsync(_metrics);

        Assert.Equal(0.025, scrape.Value("mnigs_gateway_rtt_seconds", ("gateway", "gw-1"), ("name", "Rooftop"), ("path", "mesh")), 9);
        Assert.Equal(0.125, scrape.Value("mnigs_gateway_loss_ratio", ("gateway", "gw-1"), ("name", "Rooftop"), ("path", "mesh")));
        Assert.Equal(0.04, scrape.Value("mnigs_gateway_rtt_seconds", ("gateway", "gw-1"), ("name", "Rooftop"), ("path", "tunnel")), 9);
        Assert.Equal(0, scrape.Value("mnigs_gateway_loss_ratio", ("gateway", "gw-1"), ("name", "Rooftop"), ("path", "tunnel")));
        Assert.Equal("gauge", scrape.Types["mnigs_gateway_rtt_seconds"]);
        Assert.Equal("gauge", scrape.Types["mnigs_gateway_loss_ratio"]);
        Assert.False(string.IsNullOrWhiteSpace(scrape.Help["mnigs_gateway_rtt_seconds"]));
    }

    [Fact]
    public async Task An_unmeasured_value_removes_only_its_own_series()
    {
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", TimeSpan.FromMilliseconds(25), 0.5);
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "tunnel", TimeSpan.FromMilliseconds(30), 0);

        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", null, 1);
        var scrape = await Scrape.OfAsync(_metrics);

        Assert.Empty(scrape.Where("mnigs_gateway_rtt_seconds", ("path", "mesh")));
        Assert.Equal(1, scrape.Value("mnigs_gateway_loss_ratio", ("gateway", "gw-1"), ("path", "mesh")));
        Assert.Equal(0.03, scrape.Value("mnigs_gateway_rtt_seconds", ("gateway", "gw-1"), ("path", "tunnel")), 9);

        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", null, null);
        scrape = await Scrape.OfAsync(_metrics);
        Assert.Empty(scrape.Where("mnigs_gateway_loss_ratio", ("path", "mesh")));
        Assert.Single(scrape.Where("mnigs_gateway_loss_ratio", ("path", "tunnel")));
    }

    [Fact]
    public async Task A_forgotten_gateway_loses_all_its_series()
    {
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", TimeSpan.FromMilliseconds(10), 0);
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "tunnel", TimeSpan.FromMilliseconds(12), 0);
        _metrics.SetGatewayQuality("gw-2", "Library", "mesh", TimeSpan.FromMilliseconds(20), 0.25);

        _metrics.RetainGateways(["gw-2"]);
        var scrape = await Scrape.OfAsync(_metrics);

        Assert.Empty(scrape.Where("mnigs_gateway_rtt_seconds", ("gateway", "gw-1")));
        Assert.Empty(scrape.Where("mnigs_gateway_loss_ratio", ("gateway", "gw-1")));
        Assert.Equal(0.02, scrape.Value("mnigs_gateway_rtt_seconds", ("gateway", "gw-2")), 9);
        Assert.Equal(0.25, scrape.Value("mnigs_gateway_loss_ratio", ("gateway", "gw-2")));

        _metrics.RetainGateways([]);
        scrape = await Scrape.OfAsync(_metrics);
        Assert.Empty(scrape.Where("mnigs_gateway_rtt_seconds"));
        Assert.Empty(scrape.Where("mnigs_gateway_loss_ratio"));
    }

    [Fact]
    public async Task A_renamed_gateway_keeps_one_series_per_path()
    {
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", TimeSpan.FromMilliseconds(10), 0);
        _metrics.SetGatewayQuality("gw-1", "Rooftop west", "mesh", TimeSpan.FromMilliseconds(11), 0);

        var scrape = await Scrape.OfAsync(_metrics);

        var rtt = Assert.Single(scrape.Where("mnigs_gateway_rtt_seconds", ("gateway", "gw-1")));
        Assert.Equal("Rooftop west", rtt.Labels["name"]);
        Assert.Equal("Rooftop west", Assert.Single(scrape.Where("mnigs_gateway_loss_ratio")).Labels["name"]);
    }

    [Fact]
    public async Task Tunnel_bytes_are_read_from_sysfs_at_each_scrape()
    {
        _interfaces.Add("mnab12s0");
        WriteStatistics("mnab12s0", received: 1234, sent: 5678);

        var first = await Scrape.OfAsync(_metrics);
        Assert.Equal(1234, first.Value("mnigs_tunnel_receive_bytes_total", ("interface", "mnab12s0")));
        Assert.Equal(5678, first.Value("mnigs_tunnel_transmit_bytes_total", ("interface", "mnab12s0")));
        Assert.Equal("counter", first.Types["mnigs_tunnel_receive_bytes_total"]);

        WriteStatistics("mnab12s0", received: 9_000_000_000, sent: 6000);
        var second = await Scrape.OfAsync(_metrics);
        Assert.Equal(9_000_000_000, second.Value("mnigs_tunnel_receive_bytes_total", ("interface", "mnab12s0")));
        Assert.Equal(6000, second.Value("mnigs_tunnel_transmit_bytes_total", ("interface", "mnab12s0")));
    }

    [Fact]
    public async Task A_missing_interface_is_skipped_and_a_vanished_one_loses_its_series()
    {
        _interfaces.AddRange(["mnab12g0", "mnab12s1"]);
        WriteStatistics("mnab12g0", received: 10, sent: 20);

        var scrape = await Scrape.OfAsync(_metrics);
        Assert.Equal(10, Assert.Single(scrape.Where("mnigs_tunnel_receive_bytes_total")).Value);
        Assert.Equal(20, Assert.Single(scrape.Where("mnigs_tunnel_transmit_bytes_total")).Value);

        Directory.Delete(Path.Combine(_sys.Path, "mnab12g0"), recursive: true);
        scrape = await Scrape.OfAsync(_metrics);
        Assert.Empty(scrape.Where("mnigs_tunnel_receive_bytes_total"));
        Assert.Empty(scrape.Where("mnigs_tunnel_transmit_bytes_total"));
    }

    [Fact]
    public async Task An_interface_no_longer_listed_loses_its_series_even_if_it_still_exists()
    {
        _interfaces.Add("mnab12s0");
        WriteStatistics("mnab12s0", received: 10, sent: 20);
        await Scrape.OfAsync(_metrics);

        _interfaces.Clear();
        var scrape = await Scrape.OfAsync(_metrics);

        Assert.Empty(scrape.Where("mnigs_tunnel_receive_bytes_total"));
    }

    [Fact]
    public async Task A_recreated_interface_restarts_its_byte_counters()
    {
        _interfaces.Add("mnab12s0");
        WriteStatistics("mnab12s0", received: 5000, sent: 7000);
        await Scrape.OfAsync(_metrics);

        WriteStatistics("mnab12s0", received: 100, sent: 200);
        var scrape = await Scrape.OfAsync(_metrics);

        Assert.Equal(100, scrape.Value("mnigs_tunnel_receive_bytes_total", ("interface", "mnab12s0")));
        Assert.Equal(200, scrape.Value("mnigs_tunnel_transmit_bytes_total", ("interface", "mnab12s0")));
    }

    [Fact]
    public async Task An_interface_name_cannot_point_outside_sysfs()
    {
        Directory.CreateDirectory(Path.Combine(_sys.Path, "inner"));
        WriteStatistics("outside", received: 1, sent: 1);
        _interfaces.AddRange(["../outside", "..", "."]);
        var metrics = new MnigsMetrics(() => _interfaces, Path.Combine(_sys.Path, "inner"));

        var scrape = await Scrape.OfAsync(metrics);

        Assert.Empty(scrape.Where("mnigs_tunnel_receive_bytes_total"));
    }

    [Fact]
    public async Task Failovers_are_counted_per_reason()
    {
        _metrics.CountFailover("down");
        _metrics.CountFailover("down");
        _metrics.CountFailover("better");

        var scrape = await Scrape.OfAsync(_metrics);

        Assert.Equal("counter", scrape.Types["mnigs_failovers_total"]);
        Assert.Equal(2, scrape.Value("mnigs_failovers_total", ("reason", "down")));
        Assert.Equal(1, scrape.Value("mnigs_failovers_total", ("reason", "better")));
        Assert.Equal(2, scrape.Where("mnigs_failovers_total").Count());
    }

    [Fact]
    public async Task Tunnels_show_up_state_per_role_and_go_when_removed()
    {
        _metrics.SetTunnel("mnab12s0", "gw-1", "standby", up: true);
        _metrics.SetTunnel("mnab12s1", "gw-2", "active", up: false);

        var scrape = await Scrape.OfAsync(_metrics);
        Assert.Equal(1, scrape.Value("mnigs_tunnel_up", ("interface", "mnab12s0"), ("gateway", "gw-1"), ("role", "standby")));
        Assert.Equal(0, scrape.Value("mnigs_tunnel_up", ("interface", "mnab12s1"), ("gateway", "gw-2"), ("role", "active")));

        // A failover: the standby becomes active; one series per interface, under its new role.
        _metrics.SetTunnel("mnab12s0", "gw-1", "active", up: true);
        _metrics.RemoveTunnel("mnab12s1");
        scrape = await Scrape.OfAsync(_metrics);

        var up = Assert.Single(scrape.Where("mnigs_tunnel_up"));
        Assert.Equal(("mnab12s0", "gw-1", "active", 1.0), (up.Labels["interface"], up.Labels["gateway"], up.Labels["role"], up.Value));
    }

    [Fact]
    public async Task Online_and_sessions_appear_once_set()
    {
        var before = await Scrape.OfAsync(_metrics);
        Assert.Empty(before.Where("mnigs_online"));
        Assert.Empty(before.Where("mnigs_gateway_sessions"));

        _metrics.SetOnline(true);
        _metrics.SetGatewaySessions(3);
        var scrape = await Scrape.OfAsync(_metrics);
        Assert.Equal(1, scrape.Value("mnigs_online"));
        Assert.Equal(3, scrape.Value("mnigs_gateway_sessions"));

        _metrics.SetOnline(false);
        _metrics.SetGatewaySessions(0);
        scrape = await Scrape.OfAsync(_metrics);
        Assert.Equal(0, scrape.Value("mnigs_online"));
        Assert.Equal(0, scrape.Value("mnigs_gateway_sessions"));
    }

    [Fact]
    public async Task A_label_longer_than_64_characters_is_cut()
    {
        var name = new string('n', 100);
        var id = new string('i', 70);
        _metrics.SetGatewayQuality(id, name, "mesh", TimeSpan.FromMilliseconds(5), 0);
        _metrics.SetTunnel("mnab12s0", id, "active", up: true);

        var scrape = await Scrape.OfAsync(_metrics);

        var rtt = Assert.Single(scrape.Where("mnigs_gateway_rtt_seconds"));
        Assert.Equal(name[..64], rtt.Labels["name"]);
        Assert.Equal(id[..64], rtt.Labels["gateway"]);
        Assert.Equal(id[..64], Assert.Single(scrape.Where("mnigs_tunnel_up")).Labels["gateway"]);

        // The full id still matches its cut series when gateways are retained.
        _metrics.RetainGateways([id]);
        Assert.Single((await Scrape.OfAsync(_metrics)).Where("mnigs_gateway_rtt_seconds"));
    }

    [Fact]
    public void A_label_is_never_cut_inside_a_surrogate_pair()
    {
        var value = new string('a', 63) + "💥" + "tail";

        var label = MnigsMetrics.Label(value);

        Assert.Equal(new string('a', 63), label);
    }

    [Fact]
    public async Task A_hostile_gateway_name_comes_out_escaped_and_intact()
    {
        const string name = "evil\"} 1\nmnigs_online 1\n# \\";
        _metrics.SetGatewayQuality("gw-1", name, "mesh", TimeSpan.FromMilliseconds(5), 0);

        var scrape = await Scrape.OfAsync(_metrics);

        Assert.Equal(name, Assert.Single(scrape.Where("mnigs_gateway_rtt_seconds")).Labels["name"]);
        Assert.Empty(scrape.Where("mnigs_online"));
    }

    [Fact]
    public async Task Two_instances_share_no_series()
    {
        var other = new MnigsMetrics(() => [], _sys.Path);
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", TimeSpan.FromMilliseconds(5), 0);
        _metrics.CountFailover("down");
        _metrics.SetOnline(true);

        var scrape = await Scrape.OfAsync(other);

        Assert.Empty(scrape.Samples);
        Assert.Single((await Scrape.OfAsync(_metrics)).Where("mnigs_failovers_total"));
    }

    [Fact]
    public async Task Only_mnigs_metrics_are_exported()
    {
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", TimeSpan.FromMilliseconds(5), 0);
        _metrics.SetOnline(true);

        var scrape = await Scrape.OfAsync(_metrics);

        Assert.NotEmpty(scrape.Samples);
        Assert.All(scrape.Samples, s => Assert.StartsWith("mnigs_", s.Name));
        Assert.All(scrape.Types.Keys, name => Assert.StartsWith("mnigs_", name));
    }

    private void WriteStatistics(string iface, ulong received, ulong sent)
    {
        var dir = Path.Combine(_sys.Path, iface, "statistics");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "rx_bytes"), received.ToString(CultureInfo.InvariantCulture) + "\n");
        File.WriteAllText(Path.Combine(dir, "tx_bytes"), sent.ToString(CultureInfo.InvariantCulture) + "\n");
    }
}

/// <summary>One sample line of the Prometheus text format: <c>name{label="value",...} value</c>.</summary>
internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A scrape parsed as Prometheus reads it (text format 0.0.4), label escapes undone.</summary>
internal sealed class Scrape
{
    public List<Sample> Samples { get; } = [];

    public Dictionary<string, string> Types { get; } = [];

    public Dictionary<string, string> Help { get; } = [];

    public static async Task<Scrape> OfAsync(MnigsMetrics metrics)
    {
        using var output = new MemoryStream();
        await metrics.ExportAsync(output, CancellationToken.None);
        return Parse(Encoding.UTF8.GetString(output.ToArray()));
    }

    public static Scrape Parse(string text)
    {
        var scrape = new Scrape();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line["# TYPE ".Length..].Split(' ', 2);
                scrape.Types[parts[0]] = parts[1];
            }
            else if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line["# HELP ".Length..].Split(' ', 2);
                scrape.Help[parts[0]] = parts[1];
            }
            else if (!line.StartsWith('#'))
            {
                scrape.Samples.Add(ParseSample(line));
            }
        }
        return scrape;
    }

    public IEnumerable<Sample> Where(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    public double Value(string name, params (string Label, string Value)[] labels) => Assert.Single(Where(name, labels)).Value;

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' '))
            i++;
        var name = line[..i];
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var key = line[i..eq];
                i = eq + 1;
                Assert.Equal('"', line[i++]);
                var value = new StringBuilder();
                for (; line[i] != '"'; i++)
                {
                    if (line[i] != '\\')
                    {
                        value.Append(line[i]);
                        continue;
                    }
                    i++;
                    value.Append(line[i] switch
                    {
                        'n' => '\n',
                        '\\' => '\\',
                        '"' => '"',
                        var other => throw new FormatException($"unknown escape \\{other} in: {line}"),
                    });
                }
                i++;
                labels.Add(key, value.ToString());
                if (line[i] == ',')
                    i++;
            }
            i++;
        }
        Assert.Equal(' ', line[i]);
        var number = line[(i + 1)..].Split(' ')[0];
        return new Sample(name, labels, double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture));
    }
}
