using Mnigs.Core.Suites;

namespace Mnigs.Core.Tests.Suites;

public sealed class SuiteTests
{
    [Theory]
    [InlineData("babel-wireguard-free", "babel", "wireguard", "free")]
    [InlineData("cjdns-cjdns-free", "cjdns", "cjdns", "free")]
    [InlineData("yggdrasil-openvpn-voucher", "yggdrasil", "openvpn", "voucher")]
    [InlineData("batman-adv-wireguard-free", "batman-adv", "wireguard", "free")]
    [InlineData("olsr2-ipip-free", "olsr2", "ipip", "free")]
    public void A_suite_id_splits_into_network_tunnel_and_payment(string id, string network, string tunnel, string payment)
    {
        Assert.True(Suite.TryParse(id, out var suite));

        Assert.Equal(new Suite(network, tunnel, payment), suite);
        Assert.Equal(id, suite.Id);
        Assert.Equal(id, suite.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("babel")]
    [InlineData("babel-wireguard")]
    [InlineData("babel--free")]
    [InlineData("-wireguard-free")]
    [InlineData("babel-wireguard-")]
    [InlineData("Babel-wireguard-free")]
    [InlineData("babel-wire guard-free")]
    [InlineData("babel_wireguard_free")]
    [InlineData("babel-wireguard-free\n")]
    [InlineData("bäbel-wireguard-free")]
    [InlineData("babel-wireguard-free;rm -rf /")]
    [InlineData("../../etc-passwd-x")]
    public void Garbage_is_not_a_suite(string? text)
    {
        Assert.False(Suite.TryParse(text, out var suite));
        Assert.Equal(default, suite);
    }

    [Fact]
    public void An_overlong_id_is_refused()
    {
        var network = new string('a', 60);

        Assert.False(Suite.TryParse($"{network}-wireguard-free", out _));
        Assert.True(Suite.TryParse($"{network[..48]}-wireguard-free", out _));
    }

    [Fact]
    public void Suites_compare_by_their_parts()
    {
        Assert.True(Suite.TryParse("babel-wireguard-free", out var parsed));

        Assert.Equal(new Suite("babel", "wireguard", "free"), parsed);
        Assert.NotEqual(new Suite("babel", "wireguard", "voucher"), parsed);
        Assert.Contains(parsed, new[] { new Suite("babel", "wireguard", "free") });
    }
}
