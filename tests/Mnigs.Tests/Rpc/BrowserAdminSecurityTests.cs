using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Mnigs.Cli;
using Mnigs.Rpc;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Rpc;

/// <summary>
/// POST /jsonrpc over real HTTP from loopback (an authorized address), as a browser would send it: a
/// page from another site, or one that rebound its DNS name to the node, gets no admin method, while
/// mesh peers and the CLI, which call by IP address, are not affected.
/// </summary>
public sealed class BrowserAdminSecurityTests : IAsyncLifetime
{
    private DaemonRig _rig = null!;
    private KestrelServer _server = null!;

    public async Task InitializeAsync()
    {
        _rig = await DaemonRig.StartAsync();
        _server = await KestrelServer.StartAsync(app => app.MapJsonRpc(_rig.Dispatcher));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _rig.DisposeAsync();
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:{port}")]
    [InlineData("rebind.127.0.0.1.nip.io:{port}")]
    public async Task Under_a_DNS_name_admin_methods_are_denied_but_nodeInfo_answers(string host)
    {
        var status = await PostAsync("status", host, origin: null);
        var configure = await PostAsync("configure", host, origin: null, new JsonObject { ["set"] = new JsonArray("gateway.enabled=no") });
        var nodeInfo = await PostAsync("nodeInfo", host, origin: null);

        Assert.Equal(RpcDispatcher.PermissionDenied, RpcWire.ErrorMsg(status));
        Assert.Null(status["name"]);
        Assert.Equal(RpcDispatcher.PermissionDenied, RpcWire.ErrorMsg(configure));
        Assert.False(File.Exists(_rig.ConfigPath));
        Assert.True(RpcWire.Success(nodeInfo));
        Assert.Equal("gw", nodeInfo["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://127.0.0.1:1")]
    [InlineData("null")]
    public async Task A_request_from_another_site_gets_no_admin_method_but_public_ones(string origin)
    {
        var settings = await PostAsync("settings", "127.0.0.1:{port}", origin);
        var nodeInfo = await PostAsync("nodeInfo", "127.0.0.1:{port}", origin);

        Assert.Equal(RpcDispatcher.PermissionDenied, RpcWire.ErrorMsg(settings));
        Assert.True(RpcWire.Success(nodeInfo));
    }

    [Theory]
    [InlineData("127.0.0.1:{port}", "http://127.0.0.1:{port}")]
    [InlineData("localhost:{port}", "http://localhost:{port}")]
    [InlineData("127.0.0.1:{port}", null)]
    public async Task The_UI_on_its_own_origin_reaches_admin_methods(string host, string? origin)
    {
        var status = await PostAsync("status", host, origin);

        Assert.True(RpcWire.Success(status), status.ToJsonString());
        Assert.Equal("gw", status["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_CLI_calling_127_0_0_1_is_unaffected()
    {
        var client = new AdminClient(new RpcClient(_server.Client), RpcClient.EndpointOf(IPAddress.Loopback, _server.Port));

        var status = await client.CallAsync("status", null, CancellationToken.None);

        Assert.True(RpcWire.Success(status), status.ToJsonString());
    }

    private async Task<JsonObject> PostAsync(string method, string host, string? origin, JsonObject? parameters = null)
    {
        var port = _server.Port.ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jsonrpc")
        {
            Content = new ByteArrayContent(RpcWire.Request(method, parameters)),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Host = host.Replace("{port}", port, StringComparison.Ordinal);
        if (origin is not null)
            request.Headers.Add("Origin", origin.Replace("{port}", port, StringComparison.Ordinal));
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return RpcWire.Result(Encoding.UTF8.GetBytes(await response.Content.ReadAsStringAsync()));
    }
}
