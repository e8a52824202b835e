using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Mnigs.Lab.Tests.Mesh;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Mnigs.Lab.Tests.Web;

/// <summary>
/// The web UI as a user on a node sees it: headless chromium inside the node's namespace (a loopback,
/// authorized caller) on http://127.0.0.1:65533/, on the shared mesh of <see cref="UiLab"/>
/// (sub — rel — gwa, rel — gwb). Any console or page error fails the test; every page is
/// photographed into artifacts/screenshots/ (docs/screenshots/ with MNIGS_UPDATE_DOCS_SCREENSHOTS=1).
/// </summary>
[Collection("lab")]
public sealed class WebUiTests(UiLab lab, ITestOutputHelper output) : IClassFixture<UiLab>
{
    private static readonly string[] Routes = ["status", "gateways", "network", "sessions", "settings"];
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private GraphMesh Mesh => lab.Mesh;
    private LabNode Sub => Mesh["sub"];

    [Fact]
    public Task A_browser_in_a_node_namespace_is_that_nodes_loopback_caller() => WithLogsAsync(async () =>
    {
        await using (var tab = await lab.OpenAsync("sub", output))
        {
            var response = await tab.Page.GotoAsync(UiTab.BaseUrl + "metrics");
            Assert.Equal(200, response!.Status);
            Assert.Contains("mnigs_online", await response.TextAsync());
            await tab.ScreenshotAsync("infrastructure-metrics");
            // The error net the UI tests rely on catches both kinds of error.
            await tab.Page.EvaluateAsync("() => { console.error('capture check'); setTimeout(() => { throw new Error('thrown check'); }); }");
            await WaitUntilAsync(() => Task.FromResult(tab.Errors.Any(e => e.Contains("capture check")) && tab.Errors.Any(e => e.Contains("thrown check"))),
                TimeSpan.FromSeconds(5), "console.error and an uncaught error were not both captured: " + string.Join('\n', tab.Errors));
        }
        // The same browser program in rel's namespace is a mesh peer of sub, and refused there.
        await using (var tab = await lab.OpenAsync("rel", output))
        {
            var response = await tab.Page.GotoAsync($"http://{Mesh.MeshAddress("sub")}:65533/metrics");
            Assert.Equal(403, response!.Status);
        }
    });

    [Fact]
    public Task Gateways_page_lists_both_lab_gateways() => WithLogsAsync(async () =>
    {
        await using var tab = await lab.OpenAsync("sub", output);
        var page = await tab.GotoAsync("gateways");
        var previous = await LastScanIdAsync();
        await page.GetByTestId("scan").ClickAsync();
        await WaitForScanAsync(previous);
        await Expect(page.GetByTestId("scan")).ToBeEnabledAsync(); // the page has seen the scan end
        foreach (var name in new[] { "gwa", "gwb" })
        {
            var row = GatewayRow(page, name);
            await Expect(row).ToBeVisibleAsync(new() { Timeout = Ms(Long) });
            await Expect(row).ToHaveAttributeAsync("data-gateway-address",
                new Regex($"^({Regex.Escape(Mesh.MeshAddress(name))}|{Regex.Escape(Mesh.MeshAddress6(name))})$"));
            await Expect(row.GetByTestId("connect")).ToBeVisibleAsync();
            await Expect(row.GetByTestId("test")).ToBeVisibleAsync();
            await Expect(row.GetByTestId("prefer")).ToBeVisibleAsync();
        }
        await tab.ScreenshotAsync("gateways", docs: true);
        tab.AssertNoErrors();
    });

    [Fact]
    public Task Connect_on_a_gateway_row_brings_the_subscriber_online_through_it() => WithLogsAsync(async () =>
    {
        await using var tab = await lab.OpenAsync("sub", output);
        try
        {
            var gateways = await tab.GotoAsync("gateways");
            var gwa = GatewayRow(gateways, "gwa");
            await Expect(gwa).ToBeVisibleAsync(new() { Timeout = Ms(Long) });
            await gwa.GetByTestId("connect").ClickAsync();

            var status = await tab.GotoAsync("status");
            await Expect(status.GetByTestId("online")).ToHaveTextAsync("Online", new() { Timeout = Ms(Long) });
            await Expect(status.GetByTestId("active-gateway")).ToContainTextAsync("gwa");
            await Expect(status.GetByTestId("active-gateway")).ToContainTextAsync(Mesh.MeshAddress("gwa"));
            Assert.Equal(Mesh.MeshAddress("gwa"), (await SubscriberAsync())["connection"]!["gateway"]!.GetValue<string>());
            var ping = await Sub.ExecAsync("ping", "-c", "3", "-W", "2", GraphMesh.InternetHost);
            Assert.True(ping.ExitCode == 0, "the subscriber does not reach the internet host through gwa: " + ping.All);

            // A few tunnel quality samples for the chart, then the picture of a node online.
            await Expect(status.GetByTestId("rtt-chart")).ToBeVisibleAsync();
            await Task.Delay(TimeSpan.FromSeconds(6));
            await tab.ScreenshotAsync("status", docs: true);

            gateways = await tab.GotoAsync("gateways");
            await Expect(GatewayRow(gateways, "gwb").GetByTestId("disconnect")).ToBeHiddenAsync();
            await GatewayRow(gateways, "gwa").GetByTestId("disconnect").ClickAsync();
            status = await tab.GotoAsync("status");
            await Expect(status.GetByTestId("online")).ToHaveTextAsync("Offline", new() { Timeout = Ms(Long) });
            await Expect(status.GetByTestId("active-gateway")).ToHaveTextAsync("Not connected");
            Assert.False((await SubscriberAsync())["connected"]!.GetValue<bool>());
            tab.AssertNoErrors();
        }
        finally
        {
            await LeaveDisconnectedAsync();
        }
    });

    [Fact]
    public Task Network_page_draws_every_scanned_node_and_zooms_with_the_keyboard() => WithLogsAsync(async () =>
    {
        await using var tab = await lab.OpenAsync("sub", output);
        var page = await tab.GotoAsync("network");
        var previous = await LastScanIdAsync();
        await page.GetByTestId("rescan").ClickAsync();
        await WaitForScanAsync(previous);
        await Expect(page.GetByTestId("rescan")).ToBeEnabledAsync(); // the page has seen the scan end, and redrawn
        var graph = page.GetByTestId("network-graph");
        await Expect(graph).ToBeVisibleAsync();
        foreach (var name in Mesh.Names)
        {
            var node = graph.Locator($"[data-testid=graph-node][data-address='{Mesh.MeshAddress(name)}']");
            await Expect(node).ToHaveCountAsync(1, new() { Timeout = Ms(Long) });
            var kind = name == "sub" ? "self" : Mesh.Gateways.Contains(name) ? "gateway" : "node";
            await Expect(node).ToHaveAttributeAsync("data-kind", kind);
            await Expect(node.Locator("title")).ToHaveCountAsync(1);
        }
        Assert.True(await graph.GetByTestId("graph-link").CountAsync() >= Mesh.Links.Count, "fewer links drawn than the mesh has");

        var before = await ViewOfAsync(graph);
        await graph.FocusAsync();
        await tab.Page.Keyboard.PressAsync("+");
        await WaitUntilAsync(async () => await ViewOfAsync(graph) != before, TimeSpan.FromSeconds(5),
            $"pressing + did not change the graph's transform (still {before})");
        await tab.Page.Keyboard.PressAsync("-");
        await Task.Delay(TimeSpan.FromSeconds(1)); // the layout settles
        await tab.ScreenshotAsync("network", docs: true);
        tab.AssertNoErrors();
    });

    [Fact]
    public Task Network_page_draws_each_mesh_node_once() => WithLogsAsync(async () =>
    {
        // A scan lists every node under each of its mesh addresses (10.78.0.K and fd78::K, same node id);
        // a map that draws an address as a node shows each node twice, the copies without links.
        if (await LastScanIdAsync() is null)
            await RpcAsync("sub", "startScan", new JsonObject { ["wait"] = true });
        await using var tab = await lab.OpenAsync("sub", output);
        var graph = (await tab.GotoAsync("network")).GetByTestId("network-graph");
        await Expect(graph.Locator($"[data-testid=graph-node][data-address='{Mesh.MeshAddress("gwb")}']")).ToHaveCountAsync(1);
        var drawn = await graph.GetByTestId("graph-node").EvaluateAllAsync<string[]>("nodes => nodes.map(n => n.getAttribute('data-address'))");
        Assert.True(drawn.Length == Mesh.Names.Count,
            $"{Mesh.Names.Count} mesh nodes drawn as {drawn.Length} graph nodes: {string.Join(", ", drawn)}");
        tab.AssertNoErrors();
    });

    [Fact]
    public Task Settings_saves_a_value_the_daemon_reads_back_and_shows_the_daemons_error_for_a_bad_one() => WithLogsAsync(async () =>
    {
        var original = await File.ReadAllTextAsync(Sub.ConfigPath);
        try
        {
            await using var tab = await lab.OpenAsync("sub", output);
            var page = await tab.GotoAsync("settings");
            var form = page.GetByTestId("settings-form");
            foreach (var key in SettingsKeys)
                await Expect(Setting(form, key)).ToHaveCountAsync(1);
            await Expect(Setting(form, "main.name")).ToHaveValueAsync("sub");

            await Setting(form, "main.name").FillAsync("ui-test-node");
            await Setting(form, "subscriber.maxPrice").FillAsync("0.5");
            await form.GetByTestId("save-settings").ClickAsync();
            await Expect(page.GetByTestId("settings-message")).ToContainTextAsync("Saved");

            var saved = await File.ReadAllTextAsync(Sub.ConfigPath);
            Assert.Matches(@"(?m)^\s*name\s*=\s*ui-test-node\s*$", saved);
            Assert.Matches(@"(?m)^\s*maxPrice\s*=\s*0?\.50*\s*$", saved);
            var settings = await RpcAsync("sub", "settings");
            var keys = settings["keys"]!.AsArray().Select(k => k!.AsObject()).ToList();
            Assert.Equal(SettingsKeys, keys.Select(k => k["name"]!.GetValue<string>()));
            Assert.Equal("ui-test-node", keys.Single(k => (string?)k["name"] == "main.name")["value"]!.ToString());
            Assert.Equal(0.5, double.Parse(keys.Single(k => (string?)k["name"] == "subscriber.maxPrice")["value"]!.ToString(),
                System.Globalization.CultureInfo.InvariantCulture));
            await tab.ScreenshotAsync("settings", docs: true);

            // An impossible subnet: the daemon's own message, and nothing written.
            await Setting(form, "wireguard.ipv4Subnet").FillAsync("10.1.2.3/33");
            await form.GetByTestId("save-settings").ClickAsync();
            var message = page.GetByTestId("settings-message");
            await Expect(message).Not.ToContainTextAsync("Saved");
            await Expect(message).Not.ToBeEmptyAsync();
            Assert.Equal(saved, await File.ReadAllTextAsync(Sub.ConfigPath));
            var refusal = await RpcAsync("sub", "configure", new JsonObject { ["set"] = new JsonArray("wireguard.ipv4Subnet=10.1.2.3/33") }, success: false);
            await Expect(message).ToContainTextAsync(refusal["errorMsg"]!.GetValue<string>());
            await tab.ScreenshotAsync("settings-error");
            tab.AssertNoErrors();
        }
        finally
        {
            await File.WriteAllTextAsync(Sub.ConfigPath, original);
        }
    });

    [Fact]
    public Task The_UI_and_admin_calls_are_refused_to_mesh_peers_and_to_rebinding_hosts() => WithLogsAsync(async () =>
    {
        var local = UiTab.BaseUrl;
        var fromMesh = $"http://{Mesh.MeshAddress("sub")}:65533/";
        var status = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "status" }.ToJsonString();
        var nodeInfo = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "nodeInfo" }.ToJsonString();

        // The user on the node: the page, with headers that keep other sites' scripts and frames out.
        var page = await Curl.SendAsync(Sub.Namespace, local);
        Assert.Equal(200, page.Status);
        Assert.Contains("default-src 'self'", page.Header("Content-Security-Policy"));
        Assert.Equal("nosniff", page.Header("X-Content-Type-Options"));
        Assert.Equal("DENY", page.Header("X-Frame-Options"));
        Assert.Equal("no-referrer", page.Header("Referrer-Policy"));

        // A mesh peer: no page, no asset, no admin method; the public methods still answer it.
        var peerPage = await Curl.SendAsync(Mesh["rel"].Namespace, fromMesh);
        Assert.Equal(403, peerPage.Status);
        Assert.Contains("authorizedNetworks", peerPage.Body);
        Assert.Equal(403, (await Curl.SendAsync(Mesh["rel"].Namespace, fromMesh + "ui/app.js")).Status);
        Assert.Contains("Permission denied", (await Curl.SendAsync(Mesh["rel"].Namespace, fromMesh + "jsonrpc", status)).Body);
        Assert.Contains("\"success\":true", (await Curl.SendAsync(Mesh["rel"].Namespace, fromMesh + "jsonrpc", nodeInfo)).Body.Replace(" ", ""));

        // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1; and a cross-site POST.
        Assert.Equal(403, (await Curl.SendAsync(Sub.Namespace, local, null, "Host: evil.example")).Status);
        Assert.Equal(403, (await Curl.SendAsync(Sub.Namespace, local + "ui/app.js", null, "Host: evil.example:65533")).Status);
        Assert.Contains("Permission denied", (await Curl.SendAsync(Sub.Namespace, local + "jsonrpc", status, "Host: evil.example")).Body);
        Assert.Contains("Permission denied", (await Curl.SendAsync(Sub.Namespace, local + "jsonrpc", status, "Origin: http://evil.example")).Body);
        // ... while the UI's own requests (Host 127.0.0.1:65533, same Origin) pass.
        Assert.Contains("\"success\":true",
            (await Curl.SendAsync(Sub.Namespace, local + "jsonrpc", status, "Origin: http://127.0.0.1:65533")).Body.Replace(" ", ""));
    });

    [Fact]
    public Task Sessions_page_on_a_gateway_lists_the_subscriber_and_release_ends_its_session() => WithLogsAsync(async () =>
    {
        try
        {
            var connect = await Sub.CliAsync("--json", "-c", Mesh.MeshAddress("gwa"));
            Assert.True(connect.ExitCode == 0, connect.All);
            var session = (await RpcAsync("gwa", "listSessions"))["sessions"]!.AsArray()
                .Single(s => (string?)s!["meshAddress"] is { } a && Mesh.NodeAt(a) == "sub")!;
            var sid = session["sid"]!.GetValue<string>();

            await using var tab = await lab.OpenAsync("gwa", output);
            var page = await tab.GotoAsync("sessions");
            var row = page.Locator($"[data-testid=session-row][data-sid='{sid}']");
            await Expect(row).ToBeVisibleAsync();
            await Expect(row).ToContainTextAsync(session["meshAddress"]!.GetValue<string>());
            if (session["ipv4"]?.GetValue<string>() is { } ipv4)
                await Expect(row).ToContainTextAsync(ipv4);
            await tab.ScreenshotAsync("sessions", docs: true);

            await row.GetByTestId("release").ClickAsync();
            await Expect(row).ToHaveCountAsync(0, new() { Timeout = Ms(TimeSpan.FromSeconds(15)) });
            // The subscriber's autopilot may open a new session at once; the released one is gone.
            var after = (await RpcAsync("gwa", "listSessions"))["sessions"]!.AsArray();
            Assert.DoesNotContain(after, s => (string?)s!["sid"] == sid);
            tab.AssertNoErrors();
        }
        finally
        {
            await LeaveDisconnectedAsync();
        }
    });

    [Fact]
    public Task Every_page_fits_a_phone_and_its_nav_and_first_button_are_reachable_with_Tab() => WithLogsAsync(async () =>
    {
        await RpcAsync("sub", "startScan", new JsonObject { ["wait"] = true });
        await using var tab = await lab.OpenAsync("sub", output, width: 375, height: 800);
        foreach (var route in Routes)
        {
            var page = await tab.GotoAsync(route);
            await tab.Page.ReloadAsync();
            await Expect(page).ToBeVisibleAsync();
            if (route == "gateways")
                await Expect(page.GetByTestId("gateway-row")).ToHaveCountAsync(2, new() { Timeout = Ms(Long) });
            if (route == "network")
                await Expect(page.GetByTestId("graph-node").First).ToBeAttachedAsync();
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // one polling round: the page as it settles

            var width = await tab.Page.EvaluateAsync<int>("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)");
            await tab.ScreenshotAsync(route + "-phone");
            Assert.True(width <= 375 + 2, $"#/{route} is {width} px wide on a 375 px screen: it scrolls sideways");

            var walk = await KeyboardWalk.WalkAsync(tab.Page, route, Routes);
            var reached = string.Join(", ", walk.Reached);
            output.WriteLine($"#/{route}: {width} px wide; Tab reached {reached}");
            foreach (var r in Routes)
                Assert.True(walk.Reached.Contains("nav:#/" + r), $"Tab never reached the nav link #/{r} on #/{route}; reached: {reached}");
            if (walk.PageHasButton)
            {
                Assert.True(walk.Reached.Contains(KeyboardWalk.FirstButton), $"Tab never reached the first button of #/{route}; reached: {reached}");
                Assert.True(walk.FirstButtonShowsFocus, $"the focused first button on #/{route} shows no focus outline");
            }
        }
        tab.AssertNoErrors();
    });

    private static readonly string[] SettingsKeys =
    [
        "main.name", "gateway.enabled", "gateway.maxConnections", "wireguard.ipv4Subnet", "wireguard.ipv6Subnet",
        "subscriber.autoconnect", "subscriber.preferredGateway", "subscriber.maxPrice", "subscriber.standby",
    ];

    private static ILocator GatewayRow(ILocator page, string name) => page.Locator($"[data-testid=gateway-row][data-gateway-name='{name}']");

    private static ILocator Setting(ILocator form, string key) => form.Locator($"[data-testid=setting][name='{key}']");

    /// <summary>
    /// What pan and zoom change: the svg's viewBox and the transforms of the elements that hold the nodes
    /// (not the nodes' own positions, which the layout moves by itself).
    /// </summary>
    private static Task<string> ViewOfAsync(ILocator graph) => graph.EvaluateAsync<string>("""
        svg => {
          const parts = [svg.getAttribute('viewBox')];
          const node = svg.querySelector('[data-testid=graph-node]');
          for (let e = node && node.parentElement; e && e !== svg; e = e.parentElement)
            parts.push(e.getAttribute('transform') + ' ' + e.style.transform);
          return parts.join(';');
        }
        """);

    private static float Ms(TimeSpan t) => (float)t.TotalMilliseconds;

    private async Task<long?> LastScanIdAsync() =>
        await MeshRpc.CallAsync(Sub.Namespace, "127.0.0.1", "lastScan", null) is { } last && last["success"]!.GetValue<bool>()
            ? last["scanId"]!.GetValue<long>()
            : null;

    /// <summary>Waits until sub has no scan running and its last scan is a newer one than <paramref name="previous"/>.</summary>
    private async Task WaitForScanAsync(long? previous) => await WaitUntilAsync(async () =>
        (await RpcAsync("sub", "status"))["scan"] is null && await LastScanIdAsync() is { } id && id != previous,
        Long, "sub's scan did not finish");

    /// <summary>The state every test starts from: no tunnel, the autopilot idle ("Not connected" is fine).</summary>
    private async Task LeaveDisconnectedAsync() => await MeshRpc.CallAsync(Sub.Namespace, "127.0.0.1", "disconnect", null);

    private async Task<JsonObject> SubscriberAsync() => (JsonObject)(await RpcAsync("sub", "status"))["subscriber"]!;

    private async Task<JsonObject> RpcAsync(string node, string method, JsonNode? parameters = null, bool success = true)
    {
        var result = await MeshRpc.CallAsync(Mesh[node].Namespace, "127.0.0.1", method, parameters);
        Assert.True(result["success"]?.GetValue<bool>() == success, $"{method} on {node}: {result.ToJsonString()}");
        return result;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail(message);
            await Task.Delay(200);
        }
    }

    /// <summary>Runs a test body; when it fails, the end of each daemon's log goes to the test output.</summary>
    private async Task WithLogsAsync(Func<Task> body)
    {
        try
        {
            await body();
        }
        catch
        {
            foreach (var name in Mesh.Names)
                output.WriteLine($"--- {name} (last 80 lines) ---\n{string.Join('\n', Mesh[name].Log.Split('\n').TakeLast(80))}");
            throw;
        }
    }
}
