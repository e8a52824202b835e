using System.Net;
using Mnigs.Core.Config;

namespace Mnigs.Core.Tests.Config;

public class ConfigSchemaTests
{
    public static TheoryData<string, string> AllKeys()
    {
        var data = new TheoryData<string, string>();
        foreach (var key in ConfigSchema.Keys)
            data.Add(key.Section, key.Key);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllKeys))]
    public void Every_default_is_a_valid_value(string section, string key) =>
        Assert.Null(ConfigSchema.Validate(section, key, ConfigSchema.Find(section, key)!.Default));

    [Fact]
    public void Defaults_in_the_schema_are_the_defaults_of_the_record()
    {
        var text = string.Join('\n', ConfigSchema.Keys.Select(k => $"[{k.Section}]\n{k.Key} = {k.Default}"));

        var result = ConfigLoader.Load(text);

        Assert.Empty(result.Errors);
        ConfigAssert.Equivalent(new MnigsConfig(), result.Config!);
    }

    [Fact]
    public void Keys_are_unique_described_and_grouped_by_section()
    {
        Assert.Equal(ConfigSchema.Keys.Count, ConfigSchema.Keys.Select(k => k.Name.ToLowerInvariant()).Distinct().Count());
        Assert.All(ConfigSchema.Keys, k => Assert.False(string.IsNullOrWhiteSpace(k.Description)));
        // Each section's keys stay together, so listings and the sample read section by section.
        var runs = ConfigSchema.Keys.Select(k => k.Section).Where((section, i) => i == 0 || ConfigSchema.Keys[i - 1].Section != section);
        Assert.Equal(ConfigSchema.Sections, runs);
        Assert.Equal("main", ConfigSchema.Sections[0]);
    }

    [Fact]
    public void A_bad_number_is_refused_saying_what_is_expected() =>
        Assert.Equal("gateway.maxConnections must be a whole number from 1 to 65535, not \"abc\"",
            ConfigSchema.Validate("gateway", "maxConnections", "abc"));

    [Fact]
    public void An_unknown_key_is_refused_and_a_near_one_suggested()
    {
        Assert.Equal("Unknown key gateway.maxconection; did you mean gateway.maxConnections?",
            ConfigSchema.Validate("gateway", "maxconection", "5"));
        Assert.Equal("Unknown key gateway.colour", ConfigSchema.Validate("gateway", "colour", "5"));
        Assert.StartsWith("Unknown key bmx7.enabled", ConfigSchema.Validate("bmx7", "enabled", "yes"));
    }

    [Fact]
    public void Names_are_matched_without_regard_to_case() =>
        Assert.Null(ConfigSchema.Validate("GATEWAY", "MAXCONNECTIONS", "5"));

    [Theory]
    [InlineData("yes", true)]
    [InlineData("YES", true)]
    [InlineData("true", true)]
    [InlineData("on", true)]
    [InlineData("1", true)]
    [InlineData("no", false)]
    [InlineData("False", false)]
    [InlineData("off", false)]
    [InlineData("0", false)]
    public void Every_bool_spelling_is_understood(string value, bool expected)
    {
        var result = ConfigLoader.Load($"[gateway]\nenabled = {value}\n");

        Assert.Equal(expected, result.Config!.GatewayEnabled);
    }

    [Theory]
    [InlineData("y")]
    [InlineData("enabled")]
    [InlineData("")]
    [InlineData("2")]
    public void Other_bool_spellings_are_refused(string value) =>
        Assert.Equal($"gateway.enabled must be yes or no (or true/false, on/off, 1/0), not \"{value}\"",
            ConfigSchema.Validate("gateway", "enabled", value));

    [Theory]
    [InlineData("gateway", "maxConnections", "1")]
    [InlineData("gateway", "maxConnections", "65535")]
    [InlineData("gateway", "subscriberTimeout", "10")]
    [InlineData("gateway", "subscriberTimeout", "86400")]
    [InlineData("daemon", "routingTable", "1")]
    [InlineData("daemon", "routingTable", "252")]
    [InlineData("daemon", "routingTable", "256")]
    [InlineData("daemon", "routingTable", "2147483647")]
    [InlineData("daemon", "rulePriority", "32000")]
    [InlineData("daemon", "interfacePrefix", "m")]
    [InlineData("daemon", "interfacePrefix", "mn0x")]
    [InlineData("daemon", "logLevel", "Warning")]
    [InlineData("subscriber", "routing", "none")]
    [InlineData("gateway", "uplink", "eth0")]
    [InlineData("gateway", "uplink", "")]
    [InlineData("gateway", "onRegister", "/usr/local/bin/on register")]
    [InlineData("wireguard", "mtu", "0")]
    [InlineData("wireguard", "mtu", "1280")]
    [InlineData("wireguard", "mtu", "9000")]
    [InlineData("wireguard", "ipv4Subnet", "10.0.0.0/30")]
    [InlineData("wireguard", "ipv6Subnet", "fd00::/126")]
    [InlineData("wireguard", "ipv6Subnet", "")]
    [InlineData("wireguard", "ipv4Gateway", "10.201.0.1")]
    [InlineData("babel", "address", "fd00::1")]
    [InlineData("babel", "address", "10.0.0.1")]
    public void Values_within_range_are_accepted(string section, string key, string value) =>
        Assert.Null(ConfigSchema.Validate(section, key, value));

    [Theory]
    [InlineData("gateway", "maxConnections", "0")]
    [InlineData("gateway", "maxConnections", "65536")]
    [InlineData("gateway", "maxConnections", "-1")]
    [InlineData("gateway", "maxConnections", "+5")]
    [InlineData("gateway", "maxConnections", "5.0")]
    [InlineData("gateway", "maxConnections", "99999999999999999999")]
    [InlineData("gateway", "subscriberTimeout", "9")]
    [InlineData("daemon", "routingTable", "0")]
    [InlineData("daemon", "routingTable", "2147483648")]
    [InlineData("daemon", "rulePriority", "32001")]
    [InlineData("daemon", "interfacePrefix", "")]
    [InlineData("daemon", "interfacePrefix", "mnigs")]
    [InlineData("daemon", "interfacePrefix", "Mn")]
    [InlineData("daemon", "interfacePrefix", "1mn")]
    [InlineData("daemon", "interfacePrefix", "m-n")]
    [InlineData("daemon", "logLevel", "verbose")]
    [InlineData("daemon", "stateDir", "var/lib/mnigs")]
    [InlineData("daemon", "stateDir", "")]
    [InlineData("subscriber", "routing", "auto")]
    [InlineData("gateway", "uplink", "eth0:1")]
    [InlineData("gateway", "uplink", "a-very-long-name0")]
    [InlineData("gateway", "uplink", "eth 0")]
    [InlineData("gateway", "onRegister", "hooks/register.sh")]
    [InlineData("wireguard", "mtu", "1279")]
    [InlineData("wireguard", "mtu", "9001")]
    [InlineData("wireguard", "ipv4Subnet", "10.0.0.0/31")]
    [InlineData("wireguard", "ipv4Subnet", "10.0.0.0")]
    [InlineData("wireguard", "ipv4Subnet", "")]
    [InlineData("wireguard", "ipv4Subnet", "fd00::/64")]
    [InlineData("wireguard", "ipv6Subnet", "fd00::/127")]
    [InlineData("wireguard", "ipv6Subnet", "10.0.0.0/24")]
    [InlineData("wireguard", "ipv4Gateway", "fd00::1")]
    [InlineData("wireguard", "ipv6Gateway", "10.0.0.1")]
    [InlineData("babel", "address", "10")]
    [InlineData("babel", "address", "010.0.0.1")]
    [InlineData("babel", "address", "10.0.0.256")]
    [InlineData("babel", "address", "1.2.3.4.5")]
    [InlineData("babel", "address", "fe80::1%eth0")]
    [InlineData("babel", "address", "[fd00::1]")]
    [InlineData("main", "name", "")]
    public void Values_out_of_range_are_refused(string section, string key, string value) =>
        Assert.StartsWith($"{ConfigSchema.Find(section, key)!.Name} must be ", ConfigSchema.Validate(section, key, value));

    [Fact]
    public void Kernel_routing_tables_are_refused_with_the_reason() =>
        Assert.Equal("daemon.routingTable must be a whole number from 1 to 2147483647 other than 253, 254 and 255, not \"254\""
            + " (253, 254 and 255 are the kernel's default, main and local tables)",
            ConfigSchema.Validate("daemon", "routingTable", "254"));

    [Fact]
    public void Cidr_lists_take_networks_of_both_families_and_bare_addresses()
    {
        var result = ConfigLoader.Load("[daemon]\nauthorizedNetworks = 10.0.0.0/8 ,fd00::/8, 192.168.1.7, ::1\n");

        Assert.Equal(
            [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("fd00::/8"), IPNetwork.Parse("192.168.1.7/32"), IPNetwork.Parse("::1/128")],
            result.Config!.AuthorizedNetworks.ToArray());
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("10.0.0.0/8,", "an item of the list is empty")]
    [InlineData("10.0.0.0/33", "the prefix length after / must be from 0 to 32")]
    [InlineData("fd00::/129", "the prefix length after / must be from 0 to 128")]
    [InlineData("10.0.0.0/", "the prefix length after / must be from 0 to 32")]
    [InlineData("192.168.1.5/24", "192.168.1.5/24 has host bits set; did you mean 192.168.1.0/24?")]
    [InlineData("10.0.0.0/8, example.org", "\"example.org\" is not one")]
    public void Bad_cidr_lists_are_refused_saying_which_item(string value, string? hint)
    {
        var error = ConfigSchema.Validate("daemon", "authorizedNetworks", value);

        Assert.StartsWith("daemon.authorizedNetworks must be a comma-separated list of networks", error);
        if (hint is null)
            Assert.EndsWith("not \"\"", error);
        else
            Assert.EndsWith($"({hint})", error);
    }

    [Fact]
    public void Address_lists_may_be_empty_and_mix_families()
    {
        Assert.Empty(ConfigLoader.Load("[gateway]\ndns =\n").Config!.GatewayDns);
        Assert.Equal([IPAddress.Parse("9.9.9.9"), IPAddress.Parse("2620:fe::fe")],
            ConfigLoader.Load("[gateway]\ndns = 9.9.9.9, 2620:fe::fe\n").Config!.GatewayDns.ToArray());
        Assert.NotNull(ConfigSchema.Validate("gateway", "dns", "9.9.9.9 2620:fe::fe"));
    }

    [Fact]
    public void Port_lists_take_several_ports()
    {
        Assert.Equal([65533, 8080], ConfigLoader.Load("[daemon]\nscanPorts = 65533, 8080\n").Config!.ScanPorts.ToArray());
        Assert.NotNull(ConfigSchema.Validate("daemon", "scanPorts", "65533, 0"));
        Assert.NotNull(ConfigSchema.Validate("daemon", "scanPorts", ""));
    }
}
