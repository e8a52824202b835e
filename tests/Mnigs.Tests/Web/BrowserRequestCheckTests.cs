using Mnigs.Web;

namespace Mnigs.Tests.Web;

/// <summary>Which Host and Origin headers may reach admin methods and UI pages.</summary>
public sealed class BrowserRequestCheckTests
{
    [Theory]
    [InlineData("127.0.0.1:65533", null)]
    [InlineData("127.0.0.1", null)]
    [InlineData("10.201.0.1:65533", null)]
    [InlineData("[::1]:65533", null)]
    [InlineData("[fd00::1]", null)]
    [InlineData("localhost:65533", null)]
    [InlineData("LocalHost", null)]
    [InlineData("127.0.0.1:65533", "http://127.0.0.1:65533")]
    [InlineData("[::1]:65533", "http://[::1]:65533")]
    [InlineData("localhost:65533", "http://localhost:65533")]
    [InlineData("127.0.0.1", "http://127.0.0.1")]
    [InlineData("127.0.0.1:80", "http://127.0.0.1")]
    public void The_CLI_mesh_peers_and_the_UI_itself_pass(string host, string? origin) =>
        Assert.Null(BrowserRequestCheck.Refusal(host, origin));

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:65533")]
    [InlineData("localhost.evil.example:65533")]
    [InlineData("127.0.0.1.nip.io:65533")]
    [InlineData("2130706433:65533")]
    [InlineData("127.1:65533")]
    [InlineData("256.0.0.1")]
    [InlineData("[::1")]
    [InlineData("[evil.example]:65533")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:80x")]
    [InlineData("")]
    [InlineData(null)]
    public void A_Host_that_is_no_IP_literal_or_localhost_is_refused_as_DNS_rebinding(string? host)
    {
        var refusal = BrowserRequestCheck.Refusal(host, null);

        Assert.NotNull(refusal);
        Assert.Contains("Host header", refusal);
    }

    [Theory]
    [InlineData("127.0.0.1:65533", "http://evil.example")]
    [InlineData("127.0.0.1:65533", "http://127.0.0.1:8080")]
    [InlineData("127.0.0.1:65533", "http://127.0.0.2:65533")]
    [InlineData("127.0.0.1:65533", "http://localhost:65533")]
    [InlineData("127.0.0.1:65533", "null")]
    [InlineData("127.0.0.1:65533", "file://")]
    [InlineData("127.0.0.1:65533", "")]
    [InlineData("[::1]:65533", "http://[::2]:65533")]
    public void An_Origin_other_than_the_Host_is_refused_as_cross_site(string host, string origin)
    {
        var refusal = BrowserRequestCheck.Refusal(host, origin);

        Assert.NotNull(refusal);
        Assert.Contains("another site", refusal);
    }
}
