using System.Net;
using Mnigs.Networks.Cjdns;
using static Mnigs.Tests.Networks.Cjdns.CjdnsFixtures;

namespace Mnigs.Tests.Networks.Cjdns;

public class CjdnsAddressTests
{
    [Theory]
    [InlineData(Node1Key, Node1)]
    [InlineData(Node2Key, Node2)]
    public void A_key_gives_the_address_cjdns_gave_it(string key, string address)
    {
        Assert.Equal(IPAddress.Parse(address), CjdnsAddress.ForKey(key));
        Assert.Equal(address, CjdnsAddress.Format(CjdnsAddress.ForKey(key)!));
    }

    [Fact]
    public void Keys_are_read_whatever_their_case_as_cjdns_does() =>
        Assert.Equal(IPAddress.Parse(Node1), CjdnsAddress.ForKey(Node1Key.ToUpperInvariant()[..^2] + ".k"));

    [Theory]
    [InlineData("")]
    [InlineData("udlsh4xs3j8f1h2lg2xbnkrfkclsdvzycbl8t33zv9fq57mhpzy0")]
    [InlineData("udlsh4xs3j8f1h2lg2xbnkrfkclsdvzycbl8t33zv9fq57mhpzy.k")]
    [InlineData("udlsh4xs3j8f1h2lg2xbnkrfkclsdvzycbl8t33zv9fq57mhpzy00.k")]
    [InlineData("udlsh4xs3j8f1h2lg2xbnkrfkclsdvzycbl8t33zv9fq57mhpzya.k")]
    [InlineData("udlsh4xs3j8f1h2lg2xbnkrfkclsdvzycbl8t33zv9fq57mhpzyz.k")]
    [InlineData("udlsh4xs3j8f1h2lg2xbnkrfkclsdvzycbl8t33zv9fq57mhpzy\u00e9.k")]
    public void Text_that_is_no_key_has_no_address(string key) => Assert.Null(CjdnsAddress.ForKey(key));

    [Fact]
    public void A_key_whose_hash_is_outside_fc00_has_no_address()
    {
        // All zero bytes: a well-formed key, but its double sha512 does not begin with 0xfc.
        Assert.Null(CjdnsAddress.ForKey(new string('0', 52) + ".k"));
    }

    [Theory]
    [InlineData("v20.0000.0000.0000.0013." + Node2Key, Node2Key)]
    [InlineData(Node2Key, Node2Key)]
    [InlineData("v20.0000.0000.0000.0013.54f6.k", null)]
    [InlineData("v20.0000.0000.0000.0013", null)]
    [InlineData(null, null)]
    public void Node_names_give_their_key(string? name, string? key) => Assert.Equal(key, CjdnsAddress.KeyOf(name));

    [Fact]
    public void Only_fc00_addresses_are_cjdns()
    {
        Assert.True(CjdnsAddress.IsCjdns(IPAddress.Parse(Node2)));
        Assert.False(CjdnsAddress.IsCjdns(IPAddress.Parse("fd00::1")));
        Assert.False(CjdnsAddress.IsCjdns(IPAddress.Parse("10.0.0.1")));
    }
}
