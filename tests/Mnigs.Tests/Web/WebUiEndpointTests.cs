using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Mnigs.Web;

using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Web;

/// <summary>The web UI's files over real HTTP on loopback, as a browser on the node (or a stranger) gets them.</summary>
public sealed class WebUiEndpointTests
{
    private static readonly IReadOnlyDictionary<string, WebUiAsset> Embedded = WebUiAsset.LoadAll(typeof(WebUiEndpoint).Assembly);

    [Fact]
    public async Task The_page_is_served_to_an_authorized_caller_with_its_type_and_security_headers()
    {
        await using var server = await StartAsync(ip => IPAddress.IsLoopback(ip));

        using var response = await server.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(Embedded["index.html"].Content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Equal(Embedded["index.html"].ETag, response.Headers.ETag?.ToString());
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task Every_embedded_file_is_served_under_ui_with_the_content_type_of_its_extension()
    {
        await using var server = await StartAsync(_ => true);

        Assert.Contains("index.html", Embedded.Keys);
        foreach (var asset in Embedded.Values)
        {
            using var response = await server.Client.GetAsync("/ui/" + asset.Path);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(asset.ContentType, response.Content.Headers.ContentType?.ToString());
            Assert.Equal(asset.Content, await response.Content.ReadAsByteArrayAsync());
            AssertSecurityHeaders(response);
        }
    }

    [Theory]
    [InlineData("index.html", "text/html; charset=utf-8")]
    [InlineData("app.js", "text/javascript; charset=utf-8")]
    [InlineData("app.css", "text/css; charset=utf-8")]
    [InlineData("vendor/logo.svg", "image/svg+xml")]
    [InlineData("icon.PNG", "image/png")]
    [InlineData("manifest.json", "application/json")]
    [InlineData("vendor/LICENSES.md", "text/markdown; charset=utf-8")]
    [InlineData("vendor/font.woff2", "font/woff2")]
    [InlineData("README", "application/octet-stream")]
    public void Content_types_follow_the_extension(string path, string contentType) =>
        Assert.Equal(contentType, WebUiAsset.ContentTypeOf(path));

    [Fact]
    public async Task A_file_the_browser_has_gets_304_without_a_body()
    {
        await using var server = await StartAsync(_ => true);
        using var first = await server.Client.GetAsync("/");
        var etag = first.Headers.ETag!;

        using var again = new HttpRequestMessage(HttpMethod.Get, "/");
        again.Headers.IfNoneMatch.Add(etag);
        using var cached = await server.Client.SendAsync(again);
        using var stale = new HttpRequestMessage(HttpMethod.Get, "/");
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"0123\""));
        using var changed = await server.Client.SendAsync(stale);

        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Empty(await cached.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, cached.Headers.ETag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEmpty(await changed.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/ui/nothing-here.js")]
    [InlineData("/ui/")]
    [InlineData("/ui/../Mnigs.csproj")]
    [InlineData("/ui/%2e%2e/%2e%2e/appsettings.json")]
    public async Task A_path_that_is_no_UI_file_is_404(string path)
    {
        await using var server = await StartAsync(_ => true);

        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_caller_outside_authorizedNetworks_gets_403_naming_the_setting_and_no_UI()
    {
        var asked = new List<IPAddress>();
        await using var server = await StartAsync(ip =>
        {
            asked.Add(ip);
            return false;
        });

        foreach (var path in new[] { "/", "/ui/index.html", "/ui/nothing-here.js" })
        {
            using var response = await server.Client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            Assert.Contains("daemon.authorizedNetworks", body);
            Assert.Contains("127.0.0.1", body);
            Assert.Null(response.Headers.ETag);
            AssertSecurityHeaders(response);
        }
        Assert.All(asked, ip => Assert.Equal(IPAddress.Loopback, ip));
    }

    [Theory]
    [InlineData("evil.example", null)]
    [InlineData("evil.example:{port}", null)]
    [InlineData("127.0.0.1:{port}", "http://evil.example")]
    [InlineData("127.0.0.1:{port}", "null")]
    public async Task A_page_asked_for_by_a_DNS_name_or_from_another_site_is_refused(string host, string? origin)
    {
        await using var server = await StartAsync(_ => true);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host.Replace("{port}", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        if (origin is not null)
            request.Headers.Add("Origin", origin);

        using var response = await server.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("refused", body);
        Assert.DoesNotContain("<script", body);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task The_page_opened_by_localhost_or_with_its_own_origin_is_served()
    {
        await using var server = await StartAsync(_ => true);
        using var byName = new HttpRequestMessage(HttpMethod.Get, "/");
        byName.Headers.Host = $"localhost:{server.Port}";
        using var sameOrigin = new HttpRequestMessage(HttpMethod.Get, "/ui/index.html");
        sameOrigin.Headers.Add("Origin", $"http://127.0.0.1:{server.Port}");

        using var first = await server.Client.SendAsync(byName);
        using var second = await server.Client.SendAsync(sameOrigin);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("default-src 'self'; img-src 'self' data:; style-src 'self'", Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    private static Task<KestrelServer> StartAsync(Func<IPAddress, bool> authorized) =>
        KestrelServer.StartAsync(app => app.MapWebUi(authorized));
}
