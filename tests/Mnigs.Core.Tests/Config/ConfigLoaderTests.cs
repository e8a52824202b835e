using System.Net;
using Mnigs.Core.Config;

namespace Mnigs.Core.Tests.Config;

public class ConfigLoaderTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# only a comment\n")]
    [InlineData("[gateway]\n[babel]\n")]
    public void Text_without_keys_gives_the_defaults(string text)
    {
        var result = ConfigLoader.Load(text);

        Assert.True(result.Ok);
        Assert.Empty(result.Errors);
        ConfigAssert.Equivalent(new MnigsConfig(), result.Config!);
    }

    [Fact]
    public void Keys_in_the_file_override_the_defaults_and_the_rest_stay()
    {
        var result = ConfigLoader.Load("""
            name = node7
            [gateway]
            enabled = yes
            maxConnections = 8
            dns = 9.9.9.9
            [Subscriber]
            Routing = NONE
            [wireguard]
            ipv4Subnet = 10.9.0.0/24
            ipv4Gateway = 10.9.0.254
            ipv6Subnet =
            """);

        var config = result.Config!;
        Assert.Empty(result.Errors);
        Assert.Equal("node7", config.Name);
        Assert.True(config.GatewayEnabled);
        Assert.Equal(8, config.MaxConnections);
        Assert.Equal([IPAddress.Parse("9.9.9.9")], config.GatewayDns.ToArray());
        Assert.Equal(SubscriberRouting.None, config.Routing);
        Assert.Equal(IPNetwork.Parse("10.9.0.0/24"), config.WireGuardIpv4Subnet);
        Assert.Equal(IPAddress.Parse("10.9.0.254"), config.WireGuardIpv4Gateway);
        Assert.Null(config.WireGuardIpv6Subnet);
        Assert.Equal(65533, config.RpcPort);
        Assert.Equal("info", config.LogLevel);
    }

    [Fact]
    public void The_log_level_is_kept_in_lower_case() =>
        Assert.Equal("warning", ConfigLoader.Load("[daemon]\nlogLevel = WARNING\n").Config!.LogLevel);

    [Fact]
    public void Every_error_is_reported_with_its_line_and_no_config()
    {
        var result = ConfigLoader.Load("""
            [gateway]
            maxConnections = abc
            maxconection = 5
            enabled
            [babel]
            localPort = 0
            """);

        Assert.Null(result.Config);
        Assert.False(result.Ok);
        Assert.Equal(
        [
            "line 2: gateway.maxConnections must be a whole number from 1 to 65535, not \"abc\"",
            "line 3: Unknown key gateway.maxconection; did you mean gateway.maxConnections?",
            "line 4: expected \"key = value\", a [section] or a # comment, not \"enabled\"",
            "line 6: babel.localPort must be a whole number from 1 to 65535, not \"0\"",
        ], result.Errors);
    }

    [Fact]
    public void An_unknown_section_is_reported_once_at_its_header()
    {
        var result = ConfigLoader.Load("[gateway]\nenabled = yes\n\n[gatway]\na = 1\nb = 2\n");

        Assert.Equal(["line 4: Unknown section [gatway]; did you mean [gateway]?"], result.Errors);
    }

    [Fact]
    public void A_key_set_twice_is_an_error()
    {
        var result = ConfigLoader.Load("[gateway]\nenabled = yes\n[Gateway]\nENABLED = no\n");

        Assert.Equal(["line 4: gateway.enabled is set more than once; keep one of its lines"], result.Errors);
    }

    [Theory]
    [InlineData("ipv4Gateway = 10.1.0.1", "line 3: wireguard.ipv4Gateway 10.1.0.1 is outside wireguard.ipv4Subnet 10.201.0.0/24")]
    [InlineData("ipv4Gateway = 10.201.0.0", "line 3: wireguard.ipv4Gateway 10.201.0.0 is the network address of wireguard.ipv4Subnet 10.201.0.0/24, not a host address")]
    [InlineData("ipv4Gateway = 10.201.0.255", "line 3: wireguard.ipv4Gateway 10.201.0.255 is the broadcast address of wireguard.ipv4Subnet 10.201.0.0/24, not a host address")]
    [InlineData("ipv6Gateway = fd00::1", "line 3: wireguard.ipv6Gateway fd00::1 is outside wireguard.ipv6Subnet fd6d:6e69:6773::/64")]
    public void A_gateway_address_outside_its_subnet_is_an_error(string line, string error) =>
        Assert.Equal([error], ConfigLoader.Load($"[wireguard]\n# the gateway\n{line}\n").Errors);

    [Fact]
    public void An_ipv6_gateway_needs_an_ipv6_subnet() =>
        Assert.Equal(["line 3: wireguard.ipv6Gateway fd00::1 needs wireguard.ipv6Subnet, which is empty"],
            ConfigLoader.Load("[wireguard]\nipv6Subnet =\nipv6Gateway = fd00::1\n").Errors);

    [Fact]
    public void A_subnet_typo_does_not_also_report_the_gateway_outside_it() =>
        Assert.Single(ConfigLoader.Load("[wireguard]\nipv4Subnet = 10.9.0.0/33\nipv4Gateway = 10.9.0.1\n").Errors);

    [Fact]
    public void Loading_a_document_is_loading_its_text()
    {
        const string text = "[gateway]\nenabled = on\n";

        Assert.True(ConfigLoader.Load(IniDocument.Parse(text)).Config!.GatewayEnabled);
        Assert.True(ConfigLoader.Load(text).Config!.GatewayEnabled);
    }
}
