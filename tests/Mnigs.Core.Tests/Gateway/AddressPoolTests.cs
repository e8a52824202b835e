using System.Net;
using Mnigs.Core.Gateway;

namespace Mnigs.Core.Tests.Gateway;

public sealed class AddressPoolTests
{
    private static AddressPool Pool(string subnet, string? gateway = null) =>
        new(IPNetwork.Parse(subnet), gateway is null ? null : IPAddress.Parse(gateway));

    private static IPAddress Allocate(AddressPool pool)
    {
        Assert.True(pool.TryAllocate(out var address), "the pool should still have a free address");
        return address;
    }

    [Fact]
    public void The_gateway_defaults_to_the_first_host_and_subscribers_get_the_lowest_free_address()
    {
        var pool = Pool("10.201.0.0/24");

        Assert.Equal(IPAddress.Parse("10.201.0.1"), pool.Gateway);
        Assert.Equal(IPAddress.Parse("10.201.0.2"), Allocate(pool));
        Assert.Equal(IPAddress.Parse("10.201.0.3"), Allocate(pool));
        Assert.Equal(IPAddress.Parse("10.201.0.4"), Allocate(pool));
    }

    [Fact]
    public void A_gateway_address_in_the_middle_is_skipped()
    {
        var pool = Pool("10.201.0.0/29", gateway: "10.201.0.3");

        Assert.Equal(["10.201.0.1", "10.201.0.2", "10.201.0.4", "10.201.0.5", "10.201.0.6"],
            Enumerable.Range(0, 5).Select(_ => Allocate(pool).ToString()));
        Assert.False(pool.TryAllocate(out _));
    }

    [Fact]
    public void An_IPv4_pool_never_hands_out_the_network_broadcast_or_gateway_address_and_none_twice()
    {
        var pool = Pool("192.168.7.0/28");
        var handed = new List<IPAddress>();
        while (pool.TryAllocate(out var a))
            handed.Add(a);

        // 16 addresses less network, broadcast and gateway.
        Assert.Equal(13, handed.Count);
        Assert.Equal(handed.Count, handed.Distinct().Count());
        Assert.DoesNotContain(IPAddress.Parse("192.168.7.0"), handed);
        Assert.DoesNotContain(IPAddress.Parse("192.168.7.15"), handed);
        Assert.DoesNotContain(pool.Gateway, handed);
        Assert.All(handed, a => Assert.True(pool.Subnet.Contains(a)));
        Assert.Equal(13, pool.InUse);
    }

    [Fact]
    public void An_exhausted_pool_says_so()
    {
        // A /30 holds two hosts: the gateway and one subscriber.
        var pool = Pool("10.9.0.0/30");

        Assert.Equal(IPAddress.Parse("10.9.0.2"), Allocate(pool));
        Assert.False(pool.TryAllocate(out _));
        Assert.False(pool.TryAllocate(out _));
        Assert.Equal(1, pool.InUse);
    }

    [Fact]
    public void A_released_address_is_handed_out_again_lowest_first()
    {
        var pool = Pool("10.201.0.0/24");
        var a = Allocate(pool);
        var b = Allocate(pool);
        var c = Allocate(pool);

        pool.Release(b);

        Assert.False(pool.IsAllocated(b));
        Assert.True(pool.IsAllocated(a));
        Assert.True(pool.IsAllocated(c));
        Assert.Equal(b, Allocate(pool));
        Assert.Equal(IPAddress.Parse("10.201.0.5"), Allocate(pool));
    }

    [Fact]
    public void A_full_pool_works_again_after_a_release()
    {
        var pool = Pool("10.9.0.0/30");
        var only = Allocate(pool);
        Assert.False(pool.TryAllocate(out _));

        pool.Release(only);

        Assert.Equal(only, Allocate(pool));
    }

    [Fact]
    public void An_IPv6_slash_64_pool_hands_out_distinct_host_addresses_inside_the_subnet()
    {
        var pool = Pool("fd6d:6e69:6773::/64");

        Assert.Equal(IPAddress.Parse("fd6d:6e69:6773::1"), pool.Gateway);
        var handed = Enumerable.Range(0, 300).Select(_ => Allocate(pool)).ToList();

        Assert.Equal(IPAddress.Parse("fd6d:6e69:6773::2"), handed[0]);
        Assert.Equal(IPAddress.Parse("fd6d:6e69:6773::12d"), handed[^1]);
        Assert.Equal(300, handed.Distinct().Count());
        Assert.All(handed, a => Assert.True(pool.Subnet.Contains(a)));
        Assert.DoesNotContain(pool.Gateway, handed);
    }

    [Fact]
    public void An_IPv6_pool_with_an_explicit_gateway_skips_it()
    {
        var pool = Pool("fd00:1::/64", gateway: "fd00:1::2");

        Assert.Equal(IPAddress.Parse("fd00:1::1"), Allocate(pool));
        Assert.Equal(IPAddress.Parse("fd00:1::3"), Allocate(pool));
    }

    [Fact]
    public void Reserving_after_a_restart_takes_the_address_out_of_the_free_ones()
    {
        var pool = Pool("10.201.0.0/24");

        Assert.True(pool.TryReserve(IPAddress.Parse("10.201.0.2")));
        Assert.True(pool.TryReserve(IPAddress.Parse("10.201.0.4")));

        Assert.Equal(IPAddress.Parse("10.201.0.3"), Allocate(pool));
        Assert.Equal(IPAddress.Parse("10.201.0.5"), Allocate(pool));
    }

    [Theory]
    [InlineData("10.201.0.2")] // taken twice
    [InlineData("10.201.0.1")] // the gateway
    [InlineData("10.201.0.0")] // the network address
    [InlineData("10.201.0.255")] // the broadcast address
    [InlineData("10.202.0.7")] // outside the subnet
    [InlineData("fd00::2")] // another family
    [InlineData("::ffff:10.201.0.9")] // IPv4-mapped: not a host of an IPv4 pool
    public void Reserving_refuses_what_the_pool_could_never_hand_out(string address)
    {
        var pool = Pool("10.201.0.0/24");
        Assert.True(pool.TryReserve(IPAddress.Parse("10.201.0.2")));

        Assert.False(pool.TryReserve(IPAddress.Parse(address)));
        Assert.Equal(1, pool.InUse);
    }

    [Fact]
    public void A_subnet_without_room_for_a_subscriber_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Pool("10.9.0.0/31"));
        Assert.Throws<ArgumentException>(() => Pool("10.9.0.1/32"));
    }

    [Fact]
    public void A_gateway_outside_the_subnet_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Pool("10.9.0.0/24", gateway: "10.8.0.1"));
    }
}
