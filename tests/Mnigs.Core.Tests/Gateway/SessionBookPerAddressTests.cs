using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Suites;

namespace Mnigs.Core.Tests.Gateway;

public sealed class SessionBookPerAddressTests
{
    private static readonly Suite Wg = new("babel", "wireguard", "free");

    [Fact]
    public void One_address_cannot_take_every_slot_of_the_gateway()
    {
        var pools = new Dictionary<string, TunnelPools> { ["wireguard"] = new(new AddressPool(IPNetwork.Parse("10.201.0.0/24")), null) };
        var n = 0;
        var book = new SessionBook(pools, maxConnections: 32, TimeSpan.FromMinutes(5), TimeProvider.System, () => $"sid{n++}", maxPerAddress: 2);
        var hostile = IPAddress.Parse("10.77.0.9");

        Assert.True(book.Open(hostile, Wg, "", "", 0, [], "active").Ok);
        Assert.True(book.Open(IPAddress.Parse("::ffff:10.77.0.9"), Wg, "", "", 0, [], "active").Ok);
        var third = book.Open(hostile, Wg, "", "", 0, [], "active");

        Assert.False(third.Ok);
        Assert.Equal(SessionBook.TooManyFromAddress, third.Error);
        Assert.True(book.Open(IPAddress.Parse("10.77.0.1"), Wg, "", "", 0, [], "active").Ok);
        Assert.Equal(3, book.Count);
    }

    [Fact]
    public void A_lease_that_ran_out_cannot_be_renewed_even_before_the_expiry_sweep()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var pools = new Dictionary<string, TunnelPools> { ["wireguard"] = new(new AddressPool(IPNetwork.Parse("10.201.0.0/24")), null) };
        var book = new SessionBook(pools, 8, TimeSpan.FromMinutes(5), clock, () => "sid-1");
        var owner = IPAddress.Parse("10.77.0.1");
        var session = book.Open(owner, Wg, "", "", 0, [], "active").Session!;

        clock.Advance(TimeSpan.FromMinutes(5));

        var renew = book.Renew(session.Sid, owner);
        Assert.False(renew.Ok);
        Assert.Equal(SessionBook.NoSuchSession, renew.Error);
        Assert.Single(book.Expire());
    }
}
