using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Mnigs.Metrics;

using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Metrics;

/// <summary>GET /metrics over real HTTP on loopback, as a Prometheus scraper (or a curious mesh peer) reaches it.</summary>
public sealed class MetricsEndpointTests
{
    private readonly MnigsMetrics _metrics = new(() => [], "/nonexistent-sys-class-net");
    private readonly ConcurrentQueue<IPAddress> _askedAbout = new();

    [Fact]
    public async Task A_caller_that_is_not_authorized_gets_403_and_no_metrics()
    {
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", TimeSpan.FromMilliseconds(25), 0);
        await using var server = await StartAsync(IPAddress.Loopback, _ => false);

        using var response = await server.Client.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("/metrics is for authorized addresses (daemon.authorizedNetworks)", body.TrimEnd('\n'));
        Assert.DoesNotContain("mnigs_", body);
        Assert.DoesNotContain("Rooftop", body);
    }

    [Fact]
    public async Task An_authorized_caller_gets_the_prometheus_text_format()
    {
        _metrics.SetGatewayQuality("gw-1", "Rooftop", "mesh", TimeSpan.FromMilliseconds(25), 0.5);
        _metrics.CountFailover("down");
        await using var server = await StartAsync(IPAddress.Loopback, ip => ip.Equals(IPAddress.Loopback));

        using var response = await server.Client.GetAsync("/metrics");
        var scrape = Scrape.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MetricsEndpoint.ContentType, response.Content.Headers.ContentType?.ToString());
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", MetricsEndpoint.ContentType);
        Assert.Equal(0.025, scrape.Value("mnigs_gateway_rtt_seconds", ("gateway", "gw-1"), ("name", "Rooftop"), ("path", "mesh")), 9);
        Assert.Equal(0.5, scrape.Value("mnigs_gateway_loss_ratio", ("gateway", "gw-1")));
        Assert.Equal(1, scrape.Value("mnigs_failovers_total", ("reason", "down")));
    }

    [Fact]
    public async Task An_IPv4_caller_on_a_dual_stack_listener_is_judged_by_its_IPv4_address()
    {
        await using var server = await StartAsync(IPAddress.IPv6Any, ip => ip.Equals(IPAddress.Loopback));

        using var response = await server.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var asked = Assert.Single(_askedAbout);
        Assert.Equal(AddressFamily.InterNetwork, asked.AddressFamily);
        Assert.Equal(IPAddress.Loopback, asked);
    }

    [Fact]
    public async Task Only_GET_is_served()
    {
        await using var server = await StartAsync(IPAddress.Loopback, _ => true);

        using var response = await server.Client.PostAsync("/metrics", new StringContent(""));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    private Task<KestrelServer> StartAsync(IPAddress listen, Func<IPAddress, bool> authorized) =>
        KestrelServer.StartAsync(app => app.MapMetrics(_metrics, ip =>
        {
            _askedAbout.Enqueue(ip);
            return authorized(ip);
        }), listen);
}
