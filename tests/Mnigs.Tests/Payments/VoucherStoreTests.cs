using System.Net;
using Mnigs.Core.Gateway;
using Mnigs.Core.Suites;
using Mnigs.Payments.Voucher;
using Mnigs.Store;
using Mnigs.Tests.Store;

namespace Mnigs.Tests.Payments;

/// <summary>Vouchers in the store: made, redeemed once, counted, and kept across a reopen.</summary>
public sealed class VoucherStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);
    private static readonly Suite Paid = new("babel", "wireguard", "voucher");

    private readonly ManualTime _time = new(T0);
    private readonly StoreScratch _scratch;

    public VoucherStoreTests() => _scratch = new StoreScratch(_time);

    public void Dispose() => _scratch.Dispose();

    private static GatewaySession Session(string sid, int n) => new()
    {
        Sid = sid,
        MeshAddress = IPAddress.Parse($"10.77.0.{n}"),
        Suite = Paid,
        Ipv4 = IPAddress.Parse($"10.201.0.{n}"),
        PaymentState = "pending",
        CreatedAt = T0,
        ExpiresAt = T0.AddMinutes(5),
    };

    private static async Task<VoucherRecord> One(MnigsStore store, TimeSpan? time, long? data) =>
        Assert.Single(await store.CreateVouchersAsync(1, time, data, VoucherCode.New, T0));

    [Fact]
    public async Task Created_vouchers_are_listed_with_what_they_allow_and_nothing_used()
    {
        using var store = _scratch.Open();

        var created = await store.CreateVouchersAsync(3, TimeSpan.FromHours(1), 1_000_000_000, VoucherCode.New, T0);

        var listed = await store.ListVouchersAsync();
        Assert.Equal(created.Select(v => v.Code), listed.Select(v => v.Code));
        Assert.All(listed, v =>
        {
            Assert.Equal(TimeSpan.FromHours(1), v.Time);
            Assert.Equal(1_000_000_000, v.DataBytes);
            Assert.Equal(0, v.UsedBytes);
            Assert.Null(v.RedeemedAt);
            Assert.Equal("unused", v.Status(T0, heldByLiveSession: false));
        });
    }

    [Fact]
    public async Task A_code_already_taken_is_drawn_again()
    {
        using var store = _scratch.Open();
        var first = await One(store, TimeSpan.FromHours(1), null);
        var draws = new Queue<string>([first.Code, first.Code, "AAAABBBBCCCC"]);

        var second = Assert.Single(await store.CreateVouchersAsync(1, null, 10, draws.Dequeue, T0));

        Assert.Equal("AAAABBBBCCCC", second.Code);
    }

    [Fact]
    public async Task Redeeming_starts_the_time_and_binds_the_voucher_to_the_session()
    {
        using var store = _scratch.Open();
        var voucher = await One(store, TimeSpan.FromHours(1), null);
        await store.SaveSessionAsync(Session("s1", 2));
        _time.Now = T0.AddMinutes(10);

        var (taken, error) = await store.RedeemVoucherAsync(voucher.Code, "s1", IPAddress.Parse("10.77.0.2"), _time.Now);

        Assert.Null(error);
        Assert.Equal("s1", taken!.HolderSid);
        Assert.Equal(_time.Now, taken.RedeemedAt);
        Assert.Equal(_time.Now.AddHours(1), taken.EndsAt);
        Assert.Equal(TimeSpan.FromHours(1), taken.TimeLeft(_time.Now));
    }

    [Fact]
    public async Task A_voucher_held_by_a_live_session_is_not_redeemed_by_another()
    {
        using var store = _scratch.Open();
        var voucher = await One(store, null, 1_000_000);
        await store.SaveSessionAsync(Session("s1", 2));
        await store.SaveSessionAsync(Session("s2", 3));
        await store.RedeemVoucherAsync(voucher.Code, "s1", IPAddress.Parse("10.77.0.2"), T0);

        var (taken, error) = await store.RedeemVoucherAsync(voucher.Code, "s2", IPAddress.Parse("10.77.0.3"), T0);

        Assert.Null(taken);
        Assert.Equal(VoucherErrors.InUse, error);
        Assert.Equal("s1", (await store.FindVoucherAsync(voucher.Code))!.HolderSid);
    }

    [Fact]
    public async Task After_its_session_ended_the_code_takes_what_is_left_to_a_new_session_and_the_time_keeps_running()
    {
        using var store = _scratch.Open();
        var voucher = await One(store, TimeSpan.FromHours(1), 1_000_000);
        await store.SaveSessionAsync(Session("s1", 2));
        await store.RedeemVoucherAsync(voucher.Code, "s1", IPAddress.Parse("10.77.0.2"), T0);
        await store.SaveVoucherUsageAsync([(voucher.Id, 400_000)]);
        await store.DeleteSessionAsync("s1");
        await store.SaveSessionAsync(Session("s2", 2));

        var (taken, error) = await store.RedeemVoucherAsync(voucher.Code, "s2", IPAddress.Parse("10.77.0.2"), T0.AddMinutes(20));

        Assert.Null(error);
        Assert.Equal("s2", taken!.HolderSid);
        Assert.Equal(600_000, taken.BytesLeft);
        Assert.Equal(T0.AddHours(1), taken.EndsAt);
    }

    [Fact]
    public async Task Used_up_revoked_or_expired_vouchers_and_unknown_codes_are_refused_with_the_reason()
    {
        using var store = _scratch.Open();
        await store.SaveSessionAsync(Session("s1", 2));
        var usedUp = await One(store, null, 1000);
        await store.SaveVoucherUsageAsync([(usedUp.Id, 1000)]);
        var revoked = await One(store, TimeSpan.FromHours(1), null);
        await store.RevokeVoucherAsync(revoked.Code, T0);
        var expired = await One(store, TimeSpan.FromMinutes(1), null);
        await store.SaveSessionAsync(Session("s0", 9));
        await store.RedeemVoucherAsync(expired.Code, "s0", IPAddress.Parse("10.77.0.9"), T0);
        var later = T0.AddMinutes(2);
        var me = IPAddress.Parse("10.77.0.2");

        Assert.Equal("This voucher cannot be used: the voucher's data (1 kB) is used up", (await store.RedeemVoucherAsync(usedUp.Code, "s1", me, later)).Error);
        Assert.Equal("This voucher cannot be used: the voucher was revoked by the gateway's operator", (await store.RedeemVoucherAsync(revoked.Code, "s1", me, later)).Error);
        Assert.Equal("This voucher cannot be used: the voucher's time (1 min) has run out", (await store.RedeemVoucherAsync(expired.Code, "s1", me, later)).Error);
        Assert.Equal(VoucherErrors.UnknownCode, (await store.RedeemVoucherAsync("000000000000", "s1", me, later)).Error);
    }

    [Fact]
    public async Task Redeeming_another_voucher_lets_the_first_go_with_what_it_has_left()
    {
        using var store = _scratch.Open();
        var first = await One(store, null, 1000);
        var second = await One(store, null, 5000);
        await store.SaveSessionAsync(Session("s1", 2));
        await store.RedeemVoucherAsync(first.Code, "s1", IPAddress.Parse("10.77.0.2"), T0);

        await store.RedeemVoucherAsync(second.Code, "s1", IPAddress.Parse("10.77.0.2"), T0);

        var held = await store.HeldVouchersAsync();
        Assert.Equal(second.Id, Assert.Single(held).Id);
        Assert.Null((await store.FindVoucherAsync(first.Code))!.HolderSid);
    }

    [Fact]
    public async Task The_used_count_never_goes_down_and_survives_a_reopen()
    {
        var code = "";
        using (var store = _scratch.Open())
        {
            var voucher = await One(store, null, 10_000_000);
            code = voucher.Code;
            await store.SaveSessionAsync(Session("s1", 2));
            await store.RedeemVoucherAsync(code, "s1", IPAddress.Parse("10.77.0.2"), T0);
            await store.SaveVoucherUsageAsync([(voucher.Id, 700_000)]);
            await store.SaveVoucherUsageAsync([(voucher.Id, 300_000)]);
        }

        using var reopened = _scratch.Open();
        var kept = (await reopened.FindVoucherAsync(code))!;
        Assert.Equal(700_000, kept.UsedBytes);
        Assert.Equal("s1", kept.HolderSid);
        Assert.Equal(9_300_000, kept.BytesLeft);
    }

    /// <summary>
    /// Groups of sessions race for one voucher each, through two connections to the same file (as two processes
    /// would): each voucher is won by exactly one session of its group, every other attempt is told it is in use.
    /// </summary>
    [Fact]
    public async Task Concurrent_redemptions_of_one_code_let_exactly_one_session_win()
    {
        using var a = _scratch.Open();
        using var b = _scratch.Open();
        var vouchers = await a.CreateVouchersAsync(20, TimeSpan.FromHours(1), null, VoucherCode.New, T0);
        var attempts = new List<(VoucherRecord Voucher, GatewaySession Session, MnigsStore Store)>();
        var n = 0;
        foreach (var voucher in vouchers)
        {
            for (var i = 0; i < 8; i++)
            {
                var session = Session($"s{++n}", n % 250 + 1);
                await a.SaveSessionAsync(session);
                attempts.Add((voucher, session, i % 2 == 0 ? a : b));
            }
        }

        var results = await Task.WhenAll(attempts.Select(x => Task.Run(async () =>
            (x.Voucher, x.Session, Outcome: await x.Store.RedeemVoucherAsync(x.Voucher.Code, x.Session.Sid, x.Session.MeshAddress, T0)))));

        Assert.All(results.GroupBy(r => r.Voucher.Id), race =>
        {
            var winner = Assert.Single(race, r => r.Outcome.Voucher is not null);
            Assert.All(race.Where(r => r != winner), r => Assert.Equal(VoucherErrors.InUse, r.Outcome.Error));
            Assert.Equal(winner.Session.Sid, winner.Outcome.Voucher!.HolderSid);
        });
        var stored = await b.ListVouchersAsync();
        Assert.Equal(results.Where(r => r.Outcome.Voucher is not null).Select(r => r.Session.Sid).Order(), stored.Select(v => v.HolderSid!).Order());
    }
}
