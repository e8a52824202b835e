using System.Buffers.Text;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;
using static Mnigs.Core.Tests.Directory.Records;

namespace Mnigs.Core.Tests.Directory;

public sealed class DirectoryBookTests
{
    private readonly DirectoryBook _book = new(Ed25519Verifier.Instance);

    private MergeResult Merge(DirectoryRecord record, DateTimeOffset? now = null) => _book.Merge(record, now ?? T0);

    private void AssertRefused(MergeResult result, RecordRejection why)
    {
        Assert.Equal(MergeOutcome.Rejected, result.Outcome);
        Assert.Equal(why, result.Rejection);
        Assert.Equal(1, _book.Rejections[why]);
        Assert.Equal(0, _book.Count);
    }

    [Fact]
    public void A_new_gateway_is_added_and_a_higher_sequence_replaces_it()
    {
        Assert.Equal(MergeOutcome.Added, Merge(Signed(Alice, sequence: 1)).Outcome);
        Assert.Equal(MergeOutcome.Updated, Merge(Signed(Alice, sequence: 5, load: 9)).Outcome);

        Assert.Equal(5, _book.Find(Alice.NodeId)!.Sequence);
        Assert.Equal(9, _book.Find(Alice.NodeId)!.Load);
        Assert.Equal(1, _book.Count);
    }

    [Fact]
    public void A_lower_sequence_is_ignored_and_the_same_record_is_unchanged()
    {
        var newest = Signed(Alice, sequence: 5);
        Merge(newest);

        Assert.Equal(MergeOutcome.Stale, Merge(Signed(Alice, sequence: 4)).Outcome);
        Assert.Equal(MergeOutcome.Unchanged, Merge(Parsed(Json(newest.ToJson()))).Outcome);
        Assert.Same(newest, _book.Find(Alice.NodeId));
        Assert.Empty(_book.Rejections);
    }

    [Fact]
    public void A_forged_signature_is_refused()
    {
        var forged = Edited(Signed(Alice), r => r["signature"] = Signed(Alice, sequence: 2).Signature);

        AssertRefused(_book.Merge(forged, T0), RecordRejection.BadSignature);
    }

    [Fact]
    public void A_record_for_someone_elses_id_signed_by_another_key_is_refused()
    {
        // Mallory signs a record naming Alice's id: right shape, wrong key.
        var mallorys = Signed(Mallory, sequence: 99);
        var claimingAlice = Edited(mallorys, r => r["nodeId"] = Alice.NodeId);

        AssertRefused(_book.Merge(claimingAlice, T0), RecordRejection.BadSignature);
    }

    [Fact]
    public void Only_the_key_of_a_node_can_replace_its_record()
    {
        Merge(Signed(Alice, sequence: 1));
        var takeover = Edited(Signed(Mallory, sequence: 2, name: "evil"), r => r["nodeId"] = Alice.NodeId);

        var result = _book.Merge(takeover, T0);

        Assert.Equal(RecordRejection.BadSignature, result.Rejection);
        Assert.Equal("gw", _book.Find(Alice.NodeId)!.Name);
    }

    [Theory]
    [InlineData("name", "\"other\"")]
    [InlineData("load", "0")]
    [InlineData("sequence", "2")]
    [InlineData("expiresAt", "1893500000")]
    [InlineData("withdrawn", "true")]
    [InlineData("suites", "[]")]
    [InlineData("addresses", "[{\"network\":\"babel\",\"address\":\"fd00::66\"}]")]
    public void A_field_changed_after_signing_is_refused(string field, string value)
    {
        var altered = Edited(Signed(Alice), r => r[field] = JsonNode.Parse(value));

        AssertRefused(_book.Merge(altered, T0), RecordRejection.BadSignature);
    }

    [Fact]
    public void An_expired_record_is_refused()
    {
        var record = Signed(Alice, lifetime: TimeSpan.FromMinutes(10));

        AssertRefused(Merge(record, T0.AddMinutes(10)), RecordRejection.Expired);
    }

    [Fact]
    public void A_record_issued_in_the_future_is_refused_beyond_the_clock_skew()
    {
        Assert.True(Merge(Signed(Alice, issued: T0.AddSeconds(60))).Accepted);

        var result = Merge(Signed(Bob, issued: T0.AddSeconds(61)));

        Assert.Equal(RecordRejection.TooFarInFuture, result.Rejection);
        Assert.Equal(1, _book.Rejections[RecordRejection.TooFarInFuture]);
    }

    [Fact]
    public void A_record_valid_for_longer_than_the_maximum_lifetime_is_refused()
    {
        var book = new DirectoryBook(Ed25519Verifier.Instance, new() { MaxLifetime = TimeSpan.FromMinutes(30) });

        Assert.True(book.Merge(Signed(Alice, lifetime: TimeSpan.FromMinutes(31)), T0).Accepted);
        var result = book.Merge(Signed(Bob, lifetime: TimeSpan.FromMinutes(32)), T0);

        Assert.Equal(RecordRejection.TooFarInFuture, result.Rejection);
        Assert.Equal(1, book.Rejections[RecordRejection.TooFarInFuture]);
    }

    [Fact]
    public void Oversized_and_malformed_records_are_refused_and_counted()
    {
        _book.Merge(Edited(Signed(Alice), r => r["name"] = new string('n', 65)), T0);
        _book.Merge(Edited(Signed(Alice), r => r["load"] = "many"), T0);
        _book.Merge(Edited(Signed(Alice), r => r.Remove("signature")), T0);
        _book.Merge(Edited(Signed(Alice), r => r["nodeId"] = "not-a-key"), T0);

        Assert.Equal(1, _book.Rejections[RecordRejection.Oversized]);
        Assert.Equal(2, _book.Rejections[RecordRejection.Malformed]);
        Assert.Equal(1, _book.Rejections[RecordRejection.BadNodeId]);
        Assert.Equal(0, _book.Count);
    }

    [Fact]
    public void A_key_that_is_not_a_curve_point_is_a_bad_signature_not_a_crash()
    {
        var notAPoint = Base64Url.EncodeToString(Enumerable.Repeat((byte)0xFF, 32).ToArray()[..31].Append((byte)0x7F).ToArray());
        var record = Edited(Signed(Alice), r => r["nodeId"] = notAPoint);

        var result = _book.Merge(record, T0);

        Assert.Equal(MergeOutcome.Rejected, result.Outcome);
        Assert.Contains(result.Rejection, new RecordRejection?[] { RecordRejection.BadSignature, RecordRejection.BadNodeId });
    }

    [Fact]
    public void A_withdrawal_tombstone_blocks_replays_of_older_records_until_it_expires()
    {
        var serving = Signed(Alice, sequence: 1, lifetime: TimeSpan.FromMinutes(20));
        Merge(serving);
        var withdrawal = Signed(Alice, sequence: 2, withdrawn: true, lifetime: TimeSpan.FromMinutes(30));

        Assert.Equal(MergeOutcome.Updated, Merge(withdrawal).Outcome);
        Assert.Equal(MergeOutcome.Stale, Merge(serving, T0.AddMinutes(5)).Outcome);
        Assert.Empty(_book.Live(T0.AddMinutes(5)));
        Assert.Equal(1, _book.Count);

        Assert.Equal([withdrawal], _book.Expire(T0.AddMinutes(30)));
        Assert.Equal(0, _book.Count);
        // By then every record it replaced has expired too: the publisher gives the tombstone the latest expiry.
        Assert.Equal(RecordRejection.Expired, Merge(serving, T0.AddMinutes(30)).Rejection);
    }

    [Fact]
    public void A_gateway_may_come_back_after_withdrawing()
    {
        Merge(Signed(Alice, sequence: 2, withdrawn: true));

        Assert.Equal(MergeOutcome.Updated, Merge(Signed(Alice, sequence: 3)).Outcome);
        Assert.Single(_book.Live(T0));
    }

    [Fact]
    public void Live_excludes_withdrawn_and_expired_gateways()
    {
        Merge(Signed(Alice));
        Merge(Signed(Bob, withdrawn: true));
        Merge(Signed(Carol, lifetime: TimeSpan.FromMinutes(5)));

        Assert.Equal(new[] { Alice.NodeId, Carol.NodeId }.Order(StringComparer.Ordinal), _book.Live(T0).Select(r => r.NodeId));
        Assert.Equal([Alice.NodeId], _book.Live(T0.AddMinutes(5)).Select(r => r.NodeId));
        Assert.Equal(3, _book.Count);
    }

    [Fact]
    public void Expire_drops_expired_records_and_returns_them()
    {
        Merge(Signed(Alice, lifetime: TimeSpan.FromMinutes(5)));
        Merge(Signed(Bob, lifetime: TimeSpan.FromMinutes(10)));

        Assert.Empty(_book.Expire(T0.AddMinutes(4)));
        Assert.Equal([Alice.NodeId], _book.Expire(T0.AddMinutes(5)).Select(r => r.NodeId));
        Assert.Equal([Bob.NodeId], _book.Records.Select(r => r.NodeId));
    }

    [Fact]
    public void Summaries_are_equal_exactly_when_the_node_and_sequence_sets_are()
    {
        var other = new DirectoryBook(Ed25519Verifier.Instance);
        Assert.Equal(_book.Summary(), other.Summary());

        Merge(Signed(Alice, sequence: 1));
        Merge(Signed(Bob, sequence: 1));
        other.Merge(Signed(Bob, sequence: 1, load: 7), T0);
        Assert.NotEqual(_book.Summary(), other.Summary());

        other.Merge(Signed(Alice, sequence: 2), T0);
        Assert.NotEqual(_book.Summary(), other.Summary());

        Merge(Signed(Alice, sequence: 2));
        Assert.Equal(22, _book.Summary().Length);
        // Bob's records differ in load but not in sequence: the summary compares (id, sequence) only.
        Assert.Equal(_book.Summary(), other.Summary());
    }

    [Fact]
    public void Newer_and_Wanted_compare_a_digest_with_the_book()
    {
        Merge(Signed(Alice, sequence: 5));
        Merge(Signed(Bob, sequence: 1));
        Merge(Signed(Carol, sequence: 3));
        DigestEntry[] theirs = [new(Alice.NodeId, 4), new(Carol.NodeId, 7), new(Mallory.NodeId, 1)];

        Assert.Equal(new[] { Alice.NodeId, Bob.NodeId }.Order(StringComparer.Ordinal), _book.Newer(theirs).Select(r => r.NodeId));
        Assert.Equal(new[] { Carol.NodeId, Mallory.NodeId }.Order(StringComparer.Ordinal), _book.Wanted(theirs));
        Assert.Equal(_book.Records.Select(r => new DigestEntry(r.NodeId, r.Sequence)), _book.Digest());
    }

    [Fact]
    public void A_full_book_refuses_new_nodes_but_still_takes_updates()
    {
        var book = new DirectoryBook(Ed25519Verifier.Instance, new() { MaxRecords = 2 });
        book.Merge(Signed(Alice), T0);
        book.Merge(Signed(Bob), T0);

        Assert.Equal(RecordRejection.BookFull, book.Merge(Signed(Carol), T0).Rejection);
        Assert.Equal(MergeOutcome.Updated, book.Merge(Signed(Alice, sequence: 2), T0).Outcome);
    }

    [Fact]
    public void Old_and_repeated_records_cost_no_signature_check()
    {
        var verifier = new Ed25519Verifier();
        var book = new DirectoryBook(verifier);
        book.Merge(Signed(Alice, sequence: 2), T0);

        book.Merge(Signed(Alice, sequence: 2), T0);
        book.Merge(Signed(Alice, sequence: 1), T0);

        Assert.Equal(1, verifier.Calls);
    }
}
