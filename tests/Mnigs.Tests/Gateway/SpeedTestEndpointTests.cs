using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Mnigs.Gateway;

using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Gateway;

/// <summary>GET /speedtest over real HTTP on loopback: zeros for the gateway's subscribers, nothing for anyone else.</summary>
public sealed class SpeedTestEndpointTests
{
    private readonly ConcurrentQueue<IPAddress> _askedAbout = new();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(200_000)]
    [InlineData(3 * 65536)]
    public async Task A_subscriber_gets_exactly_the_bytes_asked_for(int bytes)
    {
        await using var server = await StartAsync(IPAddress.Loopback, ip => ip.Equals(IPAddress.Loopback));

        using var response = await server.Client.GetAsync($"/speedtest?bytes={bytes}");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, response.Content.Headers.ContentLength);
        Assert.Equal(bytes, body.Length);
        Assert.All(body, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task Without_a_size_one_MiB_is_sent()
    {
        await using var server = await StartAsync(IPAddress.Loopback, _ => true);

        using var response = await server.Client.GetAsync("/speedtest");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1024 * 1024, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task A_caller_without_a_session_here_gets_403_and_no_data()
    {
        await using var server = await StartAsync(IPAddress.Loopback, _ => false);

        using var response = await server.Client.GetAsync("/speedtest?bytes=1000000");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("speedtest is for this gateway's subscribers", (await response.Content.ReadAsStringAsync()).TrimEnd('\n'));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1e6")]
    [InlineData("67108865")]
    [InlineData("99999999999999999999999")]
    [InlineData("")]
    public async Task A_bad_size_is_refused_with_a_plain_message(string bytes)
    {
        await using var server = await StartAsync(IPAddress.Loopback, _ => true);

        using var response = await server.Client.GetAsync($"/speedtest?bytes={bytes}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bytes must be a whole number from 0 to 67108864", (await response.Content.ReadAsStringAsync()).TrimEnd('\n'));
    }

    [Fact]
    public async Task The_largest_size_is_allowed()
    {
        await using var server = await StartAsync(IPAddress.Loopback, _ => true);

        using var response = await server.Client.GetAsync($"/speedtest?bytes={SpeedTestEndpoint.MaxBytes}", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SpeedTestEndpoint.MaxBytes, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task An_IPv4_caller_on_a_dual_stack_listener_is_judged_by_its_IPv4_address()
    {
        await using var server = await StartAsync(IPAddress.IPv6Any, ip => ip.Equals(IPAddress.Loopback));

        using var response = await server.Client.GetAsync("/speedtest?bytes=10");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var asked = Assert.Single(_askedAbout);
        Assert.Equal(AddressFamily.InterNetwork, asked.AddressFamily);
    }

    private Task<KestrelServer> StartAsync(IPAddress listen, Func<IPAddress, bool> isSubscriber) =>
        KestrelServer.StartAsync(app => app.MapSpeedTest(ip =>
        {
            _askedAbout.Enqueue(ip);
            return isSubscriber(ip);
        }), listen);
}
