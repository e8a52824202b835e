using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Suites;

namespace Mnigs.Core.Tests.Gateway;

public sealed class SessionBookTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(300);
    private static readonly Suite BabelWireGuardFree = new("babel", "wireguard", "free");
    private static readonly IPAddress Alice = IPAddress.Parse("fd00::a");
    private static readonly IPAddress Mallory = IPAddress.Parse("fd00::66");

    private readonly ManualClock _clock = new(T0);
    private int _sids;

    private SessionBook Book(int maxConnections = 8, string v4 = "10.201.0.0/24", string? v6 = "fd6d:6e69:6773::/64") =>
        new(new Dictionary<string, TunnelPools>
        {
            ["wireguard"] = new(new AddressPool(IPNetwork.Parse(v4)), v6 is null ? null : new AddressPool(IPNetwork.Parse(v6))),
        }, maxConnections, Lease, _clock, () => $"sid{++_sids:D4}");

    private static SessionResult Open(SessionBook book, IPAddress? caller = null, Suite? suite = null) =>
        book.Open(caller ?? Alice, suite ?? BabelWireGuardFree, "subscriber-id", "laptop", 65533,
            new JsonObject { ["publicKey"] = "k" }, "active");

    private static GatewaySession Opened(SessionBook book, IPAddress? caller = null)
    {
        var result = Open(book, caller);
        Assert.True(result.Ok, result.Error);
        return result.Session!;
    }

    [Fact]
    public void Opening_allocates_an_IPv4_and_an_IPv6_address_and_a_lease()
    {
        var book = Book();

        var session = Opened(book);

        Assert.Equal("sid0001", session.Sid);
        Assert.Equal(IPAddress.Parse("10.201.0.2"), session.Ipv4);
        Assert.Equal(IPAddress.Parse("fd6d:6e69:6773::2"), session.Ipv6);
        Assert.Equal(Alice, session.MeshAddress);
        Assert.Equal(T0, session.CreatedAt);
        Assert.Equal(T0 + Lease, session.ExpiresAt);
        Assert.Same(session, book.Find(session.Sid));
        Assert.True(book.PoolsFor("wireguard")!.Ipv4!.IsAllocated(session.Ipv4!));
        Assert.True(book.PoolsFor("wireguard")!.Ipv6!.IsAllocated(session.Ipv6!));
    }

    [Fact]
    public void Two_sessions_get_different_addresses()
    {
        var book = Book();

        var a = Opened(book);
        var b = Opened(book, Mallory);

        Assert.NotEqual(a.Ipv4, b.Ipv4);
        Assert.NotEqual(a.Ipv6, b.Ipv6);
        Assert.NotEqual(a.Sid, b.Sid);
        Assert.Equal(2, book.Count);
    }

    [Fact]
    public void Opening_beyond_maxConnections_is_refused_as_temporary()
    {
        var book = Book(maxConnections: 2);
        Opened(book);
        Opened(book);

        var third = Open(book);

        Assert.False(third.Ok);
        Assert.Equal(SessionBook.TooManySessions, third.Error);
        Assert.True(third.Temporary);
        Assert.Equal(2, book.Count);
    }

    [Fact]
    public void An_exhausted_pool_refuses_the_session_and_keeps_the_other_family_free()
    {
        // A /30 leaves room for one subscriber.
        var book = Book(v4: "10.9.0.0/30");
        Opened(book);

        var second = Open(book, Mallory);

        Assert.False(second.Ok);
        Assert.Equal(SessionBook.PoolExhausted, second.Error);
        Assert.True(second.Temporary);
        Assert.Equal(1, book.Count);
        Assert.Equal(1, book.PoolsFor("wireguard")!.Ipv6!.InUse);
    }

    [Fact]
    public void An_exhausted_IPv6_pool_gives_back_the_IPv4_address_it_took()
    {
        var book = new SessionBook(new Dictionary<string, TunnelPools>
        {
            ["wireguard"] = new(new AddressPool(IPNetwork.Parse("10.201.0.0/24")), new AddressPool(IPNetwork.Parse("fd00::/126"))),
        }, 8, Lease, _clock, () => Guid.NewGuid().ToString("N"));
        // fd00::/126 keeps ::0 and ::3 out and ::1 for the gateway: one subscriber.
        Opened(book);

        var second = Open(book, Mallory);

        Assert.False(second.Ok);
        Assert.Equal(SessionBook.PoolExhausted, second.Error);
        Assert.Equal(1, book.PoolsFor("wireguard")!.Ipv4!.InUse);
    }

    [Fact]
    public void A_suite_whose_tunnel_has_no_pools_is_refused()
    {
        var result = Open(Book(), suite: new Suite("babel", "openvpn", "free"));

        Assert.False(result.Ok);
        Assert.Equal("Suite not supported", result.Error);
    }

    [Fact]
    public void Renew_extends_the_lease_from_now()
    {
        var book = Book();
        var session = Opened(book);
        _clock.Advance(TimeSpan.FromSeconds(200));

        var renewed = book.Renew(session.Sid, Alice);

        Assert.True(renewed.Ok);
        Assert.Equal(T0 + TimeSpan.FromSeconds(200) + Lease, renewed.Session!.ExpiresAt);
        Assert.Equal(renewed.Session.ExpiresAt, book.Find(session.Sid)!.ExpiresAt);
        Assert.Equal(session.Ipv4, renewed.Session.Ipv4);
        Assert.Equal(session.CreatedAt, renewed.Session.CreatedAt);
    }

    [Fact]
    public void Renew_from_another_address_is_refused_and_the_lease_is_untouched()
    {
        var book = Book();
        var session = Opened(book);
        _clock.Advance(TimeSpan.FromSeconds(200));

        var renewed = book.Renew(session.Sid, Mallory);

        Assert.False(renewed.Ok);
        Assert.Equal(SessionBook.NoSuchSession, renewed.Error);
        Assert.Equal(session, book.Find(session.Sid));
    }

    [Fact]
    public void Release_from_another_address_is_refused_and_the_session_stays()
    {
        var book = Book();
        var session = Opened(book);

        var released = book.Release(session.Sid, Mallory);

        Assert.False(released.Ok);
        Assert.Equal(SessionBook.NoSuchSession, released.Error);
        Assert.Equal(session, book.Find(session.Sid));
        Assert.True(book.PoolsFor("wireguard")!.Ipv4!.IsAllocated(session.Ipv4!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sid9999")]
    [InlineData("SID0001")]
    public void Renew_and_release_of_an_unknown_sid_say_no_such_session(string sid)
    {
        var book = Book();
        Opened(book);

        Assert.Equal(SessionBook.NoSuchSession, book.Renew(sid, Alice).Error);
        Assert.Equal(SessionBook.NoSuchSession, book.Release(sid, Alice).Error);
        Assert.Equal(1, book.Count);
    }

    [Fact]
    public void Release_frees_the_addresses_for_the_next_subscriber()
    {
        var book = Book();
        var session = Opened(book);

        var released = book.Release(session.Sid, Alice);

        Assert.True(released.Ok);
        Assert.Null(book.Find(session.Sid));
        Assert.Equal(0, book.Count);
        var next = Opened(book, Mallory);
        Assert.Equal(session.Ipv4, next.Ipv4);
        Assert.Equal(session.Ipv6, next.Ipv6);
    }

    [Fact]
    public void An_IPv4_caller_is_the_same_as_its_IPv4_mapped_IPv6_form()
    {
        var book = Book();
        var v4 = IPAddress.Parse("10.0.0.7");
        var first = Opened(book, v4);
        var second = Opened(book, v4.MapToIPv6());

        Assert.True(book.Renew(first.Sid, v4.MapToIPv6()).Ok);
        Assert.True(book.Release(second.Sid, v4).Ok);
        Assert.False(book.Renew(first.Sid, IPAddress.Parse("10.0.0.8").MapToIPv6()).Ok);
    }

    [Fact]
    public void A_lease_that_runs_out_expires_the_session_and_frees_its_addresses()
    {
        var book = Book();
        var early = Opened(book);
        _clock.Advance(TimeSpan.FromSeconds(100));
        var late = Opened(book, Mallory);

        _clock.Advance(Lease - TimeSpan.FromSeconds(101));
        Assert.Empty(book.Expire());

        _clock.Advance(TimeSpan.FromSeconds(1));
        var expired = book.Expire();

        Assert.Equal([early.Sid], expired.Select(s => s.Sid));
        Assert.Null(book.Find(early.Sid));
        Assert.NotNull(book.Find(late.Sid));
        Assert.False(book.PoolsFor("wireguard")!.Ipv4!.IsAllocated(early.Ipv4!));
        Assert.False(book.PoolsFor("wireguard")!.Ipv6!.IsAllocated(early.Ipv6!));
        Assert.Equal(SessionBook.NoSuchSession, book.Renew(early.Sid, Alice).Error);
    }

    [Fact]
    public void A_renewed_session_does_not_expire_at_its_first_deadline()
    {
        var book = Book();
        var session = Opened(book);
        _clock.Advance(TimeSpan.FromSeconds(250));
        Assert.True(book.Renew(session.Sid, Alice).Ok);

        _clock.Advance(TimeSpan.FromSeconds(100));

        Assert.Empty(book.Expire());
        Assert.Equal(1, book.Count);
    }

    [Fact]
    public void Evict_removes_without_an_owner_check()
    {
        var book = Book();
        var session = Opened(book);

        Assert.Equal(session, book.Evict(session.Sid));
        Assert.Null(book.Evict(session.Sid));
        Assert.Equal(0, book.Count);
        Assert.Equal(0, book.PoolsFor("wireguard")!.Ipv4!.InUse);
    }

    [Fact]
    public void Restore_takes_back_a_session_and_its_addresses()
    {
        var before = Book();
        var session = Opened(before);

        var after = Book();
        Assert.True(after.Restore(session));

        Assert.Equal(session, after.Find(session.Sid));
        Assert.True(after.Renew(session.Sid, Alice).Ok);
        var next = Opened(after, Mallory);
        Assert.NotEqual(session.Ipv4, next.Ipv4);
        Assert.NotEqual(session.Ipv6, next.Ipv6);
    }

    [Fact]
    public void Restore_refuses_a_session_whose_addresses_clash()
    {
        var book = Book();
        var live = Opened(book);

        var clashV4 = live with { Sid = "other1", Ipv6 = IPAddress.Parse("fd6d:6e69:6773::99") };
        var clashV6 = live with { Sid = "other2", Ipv4 = IPAddress.Parse("10.201.0.99") };

        Assert.False(book.Restore(clashV4));
        Assert.False(book.Restore(clashV6));
        Assert.False(book.Restore(live));
        Assert.Equal(1, book.Count);
        // The refused sessions left nothing reserved behind.
        Assert.False(book.PoolsFor("wireguard")!.Ipv4!.IsAllocated(IPAddress.Parse("10.201.0.99")));
        Assert.False(book.PoolsFor("wireguard")!.Ipv6!.IsAllocated(IPAddress.Parse("fd6d:6e69:6773::99")));
    }

    [Fact]
    public void Restore_refuses_an_address_outside_the_pool_or_a_tunnel_that_is_gone()
    {
        var book = Book();
        var session = Opened(Book());

        Assert.False(book.Restore(session with { Ipv4 = IPAddress.Parse("10.99.0.2") }));
        Assert.False(book.Restore(session with { Suite = new Suite("babel", "openvpn", "free") }));
        Assert.Equal(0, book.Count);
        Assert.Equal(0, book.PoolsFor("wireguard")!.Ipv4!.InUse);
        Assert.Equal(0, book.PoolsFor("wireguard")!.Ipv6!.InUse);
    }

    [Fact]
    public void Restore_refuses_a_session_whose_lease_ran_out_while_the_daemon_was_down()
    {
        var session = Opened(Book());
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));

        var book = Book();

        Assert.False(book.Restore(session));
        Assert.Equal(0, book.Count);
        Assert.Equal(0, book.PoolsFor("wireguard")!.Ipv4!.InUse);
    }
}
