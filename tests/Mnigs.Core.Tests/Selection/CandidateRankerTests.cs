using Mnigs.Core.Directory;
using Mnigs.Core.Selection;
using static Mnigs.Core.Tests.Selection.Gateways;

namespace Mnigs.Core.Tests.Selection;

public sealed class CandidateRankerTests
{
    [Fact]
    public void Lower_loss_ranks_first_even_against_a_lower_RTT()
    {
        var ranking = Rank(Candidate("lossy", rttMs: 20, loss: 0.1), Candidate("clean", rttMs: 35));

        Assert.Equal(["clean", "lossy"], Ids(ranking));
    }

    [Fact]
    public void At_equal_loss_lower_RTT_ranks_first()
    {
        var ranking = Rank(Candidate("far", rttMs: 80), Candidate("near", rttMs: 20), Candidate("middle", rttMs: 40));

        Assert.Equal(["near", "middle", "far"], Ids(ranking));
    }

    [Fact]
    public void The_path_metric_breaks_a_tie_in_RTT()
    {
        var ranking = Rank(Candidate("three-hops", pathMetric: 288), Candidate("one-hop", pathMetric: 96));

        Assert.Equal(["one-hop", "three-hops"], Ids(ranking));
    }

    [Fact]
    public void Load_breaks_a_tie_in_quality()
    {
        var ranking = Rank(Candidate("busy", load: 30, capacity: 32), Candidate("quiet", load: 2, capacity: 32));

        Assert.Equal(["quiet", "busy"], Ids(ranking));
    }

    [Fact]
    public void A_measured_preferred_gateway_ranks_first_whatever_its_score()
    {
        var ranking = Rank(Candidate("fast", rttMs: 10), Candidate("mine", rttMs: 60, loss: 0.04, preferred: true));

        Assert.Equal(["mine", "fast"], Ids(ranking));
    }

    [Fact]
    public void An_unmeasured_gateway_ranks_after_every_measured_one()
    {
        var ranking = Rank(Unmeasured("new"), Candidate("slow", rttMs: 400, loss: 0.1));

        Assert.Equal(["slow", "new"], Ids(ranking));
        Assert.False(ranking.Find("new")!.Measured);
    }

    [Fact]
    public void The_tunnel_measurement_is_used_when_there_is_one()
    {
        var ranking = Rank(
            Candidate("active", rttMs: 10, connected: true, tunnel: Quality(60)),
            Candidate("other", rttMs: 30));

        Assert.Equal(["other", "active"], Ids(ranking));
        Assert.Equal(TimeSpan.FromMilliseconds(60), ranking.Find("active")!.Rtt);
    }

    [Fact]
    public void The_score_follows_the_documented_formula()
    {
        var ranker = new CandidateRanker(SelectionOptions.Default);
        var candidate = Candidate("g", rttMs: 40, loss: 0.1, pathMetric: 200, load: 16, capacity: 32);

        // (40 ms + 0.01 × 200) × (1 + 10 × 0.1) × (1 + 0.2 × 16/32)
        Assert.Equal(42 * 2 * 1.1, ranker.Score(candidate), 9);
    }

    [Fact]
    public void The_score_range_brackets_the_score_and_narrows_with_more_probes()
    {
        var ranking = Rank(
            Candidate("few") with { Mesh = Quality(20, loss: 0.1, samples: 30) },
            Candidate("many") with { Mesh = Quality(20, loss: 0.1, samples: 150) });
        var few = ranking.Find("few")!;
        var many = ranking.Find("many")!;

        Assert.Equal(few.Score, many.Score, 9);
        Assert.True(few.Optimistic < many.Optimistic && many.Optimistic < many.Score);
        Assert.True(few.Pessimistic > many.Pessimistic && many.Pessimistic > many.Score);
    }

    [Fact]
    public void Equal_scores_rank_the_same_way_every_time()
    {
        var ranking = Rank(Candidate("b"), Candidate("c"), Candidate("a"));

        Assert.Equal(["a", "b", "c"], Ids(ranking));
    }

    [Fact]
    public void A_gateway_without_a_supported_suite_is_rejected()
    {
        var ranking = Rank(Candidate("cjdns-only", suites: [SuiteOffer.Free(CjdnsCjdnsFree.Id)]));

        Assert.Empty(ranking.Ranked);
        Assert.Equal(Rejection.NoCommonSuite, ranking.FindRejected("cjdns-only")!.Reason);
    }

    [Fact]
    public void Only_free_gateways_are_candidates_by_default()
    {
        var ranking = Rank(Candidate("paid", suites: [SuiteOffer.At(BabelOpenVpnVoucher.Id, 0.5m)]));

        var rejected = ranking.FindRejected("paid")!;
        Assert.Equal(Rejection.TooExpensive, rejected.Reason);
        Assert.Contains("costs 0.5 per hour, more than subscriber.maxPrice 0", rejected.Message);
    }

    [Fact]
    public void A_gateway_within_maxPrice_is_a_candidate_and_its_cheapest_suite_is_chosen()
    {
        var options = SelectionOptions.Default with { MaxPriceMicros = SuiteOffer.MicrosPerUnit };
        var ranking = Rank(options, Candidate("paid",
            suites: [SuiteOffer.At(BabelOpenVpnVoucher.Id, 0.5m), SuiteOffer.At(BabelWireGuardVoucher.Id, 0.2m), SuiteOffer.At("babel-openvpn-card", 0.1m)]));

        Assert.Equal(BabelWireGuardVoucher.Id, ranking.Find("paid")!.Suite.Id);
    }

    [Fact]
    public void Among_equal_prices_this_nodes_preferred_suite_is_chosen()
    {
        var ranking = Rank(Candidate("both", suites: [SuiteOffer.Free(BabelOpenVpnVoucher.Id), SuiteOffer.Free(BabelWireGuardFree.Id)]));

        Assert.Equal(BabelWireGuardFree.Id, ranking.Find("both")!.Suite.Id);
    }

    [Fact]
    public void A_full_gateway_is_rejected_unless_this_node_already_holds_a_session_there()
    {
        var ranking = Rank(Candidate("full", load: 32, capacity: 32), Candidate("ours", load: 32, capacity: 32, connected: true));

        Assert.Equal(Rejection.AtCapacity, ranking.FindRejected("full")!.Reason);
        Assert.NotNull(ranking.Find("ours"));
    }

    [Fact]
    public void A_gateway_that_did_not_advertise_a_capacity_is_not_full()
    {
        var ranking = Rank(Candidate("unknown", load: 500, capacity: null));

        Assert.NotNull(ranking.Find("unknown"));
    }

    [Fact]
    public void A_gateway_backing_off_is_rejected_until_its_retry_time()
    {
        var backoff = new Backoff(SelectionOptions.Default with { BackoffJitter = 0 }, new Random(1));
        var retryAt = backoff.Failed("flaky", T0);
        var ranker = new CandidateRanker(SelectionOptions.Default);

        var during = ranker.Rank([Candidate("flaky")], Supported, T0.AddMilliseconds(500), backoff);
        var after = ranker.Rank([Candidate("flaky")], Supported, retryAt, backoff);

        Assert.Equal(Rejection.BackingOff, during.FindRejected("flaky")!.Reason);
        Assert.NotNull(after.Find("flaky"));
    }

    [Fact]
    public void A_gateway_losing_half_its_probes_is_unreachable()
    {
        var ranking = Rank(Candidate("dead", loss: 1), Candidate("half", loss: 0.5), Candidate("poor", loss: 0.3));

        Assert.Equal(Rejection.Unreachable, ranking.FindRejected("dead")!.Reason);
        Assert.Equal(Rejection.Unreachable, ranking.FindRejected("half")!.Reason);
        Assert.Equal(["poor"], Ids(ranking));
    }

    [Fact]
    public void Too_few_samples_do_not_count_as_a_measurement()
    {
        var ranking = Rank(Candidate("one-miss") with { Mesh = new QualitySummary(1, 0, null, null, null) });

        Assert.False(ranking.Find("one-miss")!.Measured);
    }
}
