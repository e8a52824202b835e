using Mnigs.Core.Directory;
using Mnigs.Core.Selection;
using static Mnigs.Core.Tests.Selection.Gateways;

namespace Mnigs.Core.Tests.Selection;

public sealed class SelectionPolicyTests
{
    private static readonly TimeSpan Minutes10 = TimeSpan.FromMinutes(10);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Without_a_connection_it_connects_to_the_best_gateway()
    {
        var subscriber = new Subscriber();

        var decision = subscriber.Decide(Candidate("a", rttMs: 40), Candidate("b", rttMs: 20));

        Assert.Equal(DecisionKind.Connect, decision.Kind);
        Assert.Equal("b", decision.TargetId);
    }

    [Fact]
    public void With_no_usable_gateway_it_says_none_is_available_and_why()
    {
        var subscriber = new Subscriber();

        var decision = subscriber.Decide(Candidate("full", load: 32, capacity: 32));

        Assert.Equal(DecisionKind.NoneAvailable, decision.Kind);
        Assert.Equal("no usable gateway: full (fd00::1b3) is full (32 of 32 sessions)", decision.Reason);
        Assert.Equal("no gateway is known yet", subscriber.Decide().Reason);
    }

    [Fact]
    public void A_small_difference_never_moves_a_healthy_connection()
    {
        var subscriber = new Subscriber { Active = "a" };

        var moves = subscriber.Run(Minutes10, _ => [Candidate("a", rttMs: 20), Candidate("b", rttMs: 17)]);

        Assert.Empty(moves);
    }

    [Fact]
    public void A_large_sustained_difference_moves_the_connection_after_30_s()
    {
        var subscriber = new Subscriber { Active = "a" };

        var moves = subscriber.Run(S(60), _ => [Candidate("a", rttMs: 40), Candidate("b", rttMs: 20)]);

        var (at, decision) = Assert.Single(moves);
        Assert.Equal(S(30), at);
        Assert.Equal(DecisionKind.SwitchTo, decision.Kind);
        Assert.Equal("b", decision.TargetId);
        Assert.Contains("50 %", decision.Reason);
    }

    [Fact]
    public void A_large_brief_difference_does_not_move_the_connection()
    {
        var subscriber = new Subscriber { Active = "a" };

        // b is twice as fast for 20 s of every minute.
        var moves = subscriber.Run(Minutes10, t =>
            [Candidate("a", rttMs: 40), Candidate("b", rttMs: t.TotalSeconds % 60 < 20 ? 20 : 40)]);

        Assert.Empty(moves);
    }

    [Fact]
    public void One_moment_of_doubt_restarts_the_wait()
    {
        var subscriber = new Subscriber { Active = "a" };

        var moves = subscriber.Run(S(90), t =>
            [Candidate("a", rttMs: 40), Candidate("b", rttMs: t == S(25) ? 39 : 20)]);

        Assert.Equal(S(26 + 30), Assert.Single(moves).At);
    }

    [Fact]
    public void A_clean_run_in_a_small_window_does_not_outweigh_a_long_measured_active()
    {
        var subscriber = new Subscriber { Active = "a" };

        // 6 of 150 probes lost through a's tunnel: b's score is 29 % lower, but none lost of 30 over
        // the mesh is what a gateway losing 4 % shows three times in ten.
        var moves = subscriber.Run(Minutes10, _ =>
            [Candidate("a", connected: true, tunnel: Quality(20, loss: 0.04, samples: 150)), Candidate("b") with { Mesh = Quality(20, samples: 30) }]);

        Assert.Empty(moves);
    }

    [Fact]
    public void Clearly_higher_loss_on_the_active_moves_the_connection()
    {
        var subscriber = new Subscriber { Active = "a" };

        var moves = subscriber.Run(S(60), _ =>
            [Candidate("a", connected: true, tunnel: Quality(20, loss: 0.1, samples: 150)), Candidate("b") with { Mesh = Quality(20, samples: 30) }]);

        Assert.Equal(("b", S(30)), (Assert.Single(moves).Decision.TargetId, Assert.Single(moves).At));
    }

    [Fact]
    public void Sub_millisecond_differences_never_move_the_connection()
    {
        var subscriber = new Subscriber { Active = "a" };

        var moves = subscriber.Run(Minutes10, _ => [Candidate("a", rttMs: 0.4), Candidate("b", rttMs: 0.1)]);

        Assert.Empty(moves);
    }

    [Fact]
    public void A_down_active_gateway_fails_over_at_once_to_the_best_other()
    {
        var subscriber = new Subscriber { Active = "a" };

        var decision = subscriber.Decide(activeDown: true, Candidate("a", rttMs: 10), Candidate("b", rttMs: 30), Candidate("c", rttMs: 20));

        Assert.Equal(DecisionKind.Failover, decision.Kind);
        Assert.Equal("c", decision.TargetId);
        Assert.Equal("the active gateway is down", decision.Reason);
    }

    [Fact]
    public void Failover_goes_to_the_standby_whose_tunnel_is_already_up()
    {
        var subscriber = new Subscriber(SelectionOptions.Default with { Standby = true }) { Active = "a", Standby = "b" };

        var decision = subscriber.Decide(activeDown: true, Candidate("a", rttMs: 10), Candidate("b", rttMs: 22), Candidate("c", rttMs: 20));

        Assert.Equal(DecisionKind.Failover, decision.Kind);
        Assert.Equal("b", decision.TargetId);
        Assert.Equal("c", decision.StandbyId);
    }

    [Fact]
    public void A_down_active_gateway_with_nowhere_to_go_leaves_none_available()
    {
        var subscriber = new Subscriber { Active = "a" };

        var decision = subscriber.Decide(activeDown: true, Candidate("a"), Candidate("full", load: 32, capacity: 32));

        Assert.Equal(DecisionKind.NoneAvailable, decision.Kind);
        Assert.Equal("the active gateway is down; no usable gateway: full (fd00::1b3) is full (32 of 32 sessions)", decision.Reason);
    }

    [Fact]
    public void An_active_gateway_that_becomes_unusable_is_left_at_once()
    {
        var subscriber = new Subscriber { Active = "a" };

        var decision = subscriber.Decide(Candidate("a", suites: [SuiteOffer.At(BabelOpenVpnVoucher.Id, 3m)]), Candidate("b", rttMs: 60));

        Assert.Equal(DecisionKind.Failover, decision.Kind);
        Assert.Equal("b", decision.TargetId);
        Assert.Contains("more than subscriber.maxPrice", decision.Reason);
    }

    [Fact]
    public void An_active_gateway_missing_from_the_candidates_is_left_at_once()
    {
        var subscriber = new Subscriber { Active = "a" };

        var decision = subscriber.Decide(Candidate("b"));

        Assert.Equal(DecisionKind.Failover, decision.Kind);
        Assert.Equal("the active gateway is no longer offered", decision.Reason);
    }

    [Fact]
    public void An_unusable_but_working_active_gateway_is_kept_when_nothing_else_works()
    {
        var subscriber = new Subscriber { Active = "a" };

        var decision = subscriber.Decide(Candidate("a", loss: 0.6));

        Assert.Equal(DecisionKind.Stay, decision.Kind);
        Assert.Equal("a", subscriber.Active);
        Assert.Contains("but no other gateway is usable", decision.Reason);
    }

    [Fact]
    public void The_preferred_gateway_gets_its_traffic_back_after_60_s_of_health_and_keeps_it()
    {
        var subscriber = new Subscriber { Active = "mine" };
        var mineDown = true;
        GatewayCandidate[] World(TimeSpan t) =>
        [
            mineDown ? Candidate("mine", preferred: true, loss: 1) : Candidate("mine", preferred: true, rttMs: 45),
            Candidate("other", rttMs: 15),
        ];

        var failover = subscriber.Decide(activeDown: true, World(TimeSpan.Zero));
        Assert.Equal(("other", DecisionKind.Failover), (failover.TargetId, failover.Kind));
        Assert.Empty(subscriber.Run(S(30), World));

        mineDown = false;
        var moves = subscriber.Run(S(600), World);

        var (at, back) = Assert.Single(moves);
        Assert.Equal(S(60), at);
        Assert.Equal(("mine", DecisionKind.SwitchTo), (back.TargetId, back.Kind));
        Assert.Contains("preferred gateway has been usable for 60 s", back.Reason);
    }

    [Fact]
    public void A_preferred_gateway_that_stumbles_starts_its_60_s_again()
    {
        var subscriber = new Subscriber { Active = "other" };

        var moves = subscriber.Run(S(200), t =>
        [
            Candidate("mine", preferred: true, loss: t == S(50) ? 0.6 : 0),
            Candidate("other"),
        ]);

        Assert.Equal(S(51 + 60), Assert.Single(moves).At);
    }

    [Fact]
    public void A_healthy_preferred_gateway_is_not_left_for_a_much_better_one()
    {
        var subscriber = new Subscriber { Active = "mine" };

        var moves = subscriber.Run(Minutes10, _ => [Candidate("mine", preferred: true, rttMs: 200), Candidate("fast", rttMs: 10)]);

        Assert.Empty(moves);
    }

    [Fact]
    public void A_preferred_gateway_just_declared_down_is_not_taken_back_at_once()
    {
        var subscriber = new Subscriber { Active = "mine" };
        subscriber.Run(S(120), _ => [Candidate("mine", preferred: true), Candidate("other")]);

        // Probes through the tunnel stopped, but its mesh window still looks fine for a while.
        var failover = subscriber.Decide(activeDown: true, Candidate("mine", preferred: true), Candidate("other"));
        var next = subscriber.Decide(Candidate("mine", preferred: true), Candidate("other"));

        Assert.Equal(("other", DecisionKind.Failover), (failover.TargetId, failover.Kind));
        Assert.Equal(DecisionKind.Stay, next.Kind);
    }

    [Fact]
    public void Without_standby_no_standby_is_named()
    {
        var subscriber = new Subscriber();

        Assert.Null(subscriber.Decide(Candidate("a"), Candidate("b")).Standby);
    }

    [Fact]
    public void The_standby_is_the_runner_up_and_never_the_target()
    {
        var subscriber = new Subscriber(SelectionOptions.Default with { Standby = true });

        var decision = subscriber.Decide(Candidate("a", rttMs: 10), Candidate("b", rttMs: 20), Candidate("c", rttMs: 30));

        Assert.Equal(("a", "b"), (decision.TargetId, decision.StandbyId));
        Assert.Null(new Subscriber(SelectionOptions.Default with { Standby = true }).Decide(Candidate("alone")).Standby);
    }

    [Fact]
    public void An_up_standby_is_kept_unless_another_gateway_is_clearly_better()
    {
        var subscriber = new Subscriber(SelectionOptions.Default with { Standby = true }) { Active = "a", Standby = "b" };

        var slightly = subscriber.Decide(Candidate("a", rttMs: 10), Candidate("b", rttMs: 30), Candidate("c", rttMs: 27));
        var clearly = subscriber.Decide(Candidate("a", rttMs: 10), Candidate("b", rttMs: 30), Candidate("c", rttMs: 20));

        Assert.Equal("b", slightly.StandbyId);
        Assert.Equal("c", clearly.StandbyId);
    }
}
