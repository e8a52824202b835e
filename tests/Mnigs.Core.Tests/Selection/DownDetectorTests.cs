using Mnigs.Core.Selection;
using Mnigs.Core.Tests.Gateway;
using static Mnigs.Core.Tests.Selection.Gateways;

namespace Mnigs.Core.Tests.Selection;

public sealed class DownDetectorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private static LinkTransition? Answer(DownDetector d, DateTimeOffset at) =>
        d.Observe(ProbeResult.Answer(at - TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5)), at);

    private static LinkTransition? Miss(DownDetector d, DateTimeOffset at) => d.Observe(ProbeResult.Miss(at - Interval), at);

    [Fact]
    public void A_new_tunnel_is_up_at_its_first_answer()
    {
        var d = new DownDetector(missesToDown: 3, answersToUp: 3);
        Assert.Equal(LinkState.Unknown, d.State);

        var change = Answer(d, T0);

        Assert.Equal(new LinkTransition(LinkState.Up, null, T0), change);
        Assert.Equal(T0, d.Since);
    }

    [Fact]
    public void Down_after_N_consecutive_misses_and_not_before()
    {
        var d = new DownDetector(missesToDown: 3, answersToUp: 3);
        Answer(d, T0);

        Assert.Null(Miss(d, T0.AddSeconds(1)));
        Assert.Null(Miss(d, T0.AddSeconds(2)));
        var change = Miss(d, T0.AddSeconds(3));

        Assert.Equal(new LinkTransition(LinkState.Down, DownReason.MissedProbes, T0.AddSeconds(3)), change);
        Assert.True(d.IsDown);
        Assert.Null(Miss(d, T0.AddSeconds(4)));
    }

    [Fact]
    public void An_answer_between_misses_starts_the_count_again()
    {
        var d = new DownDetector(missesToDown: 3, answersToUp: 3);
        Answer(d, T0);

        Miss(d, T0.AddSeconds(1));
        Miss(d, T0.AddSeconds(2));
        Answer(d, T0.AddSeconds(3));
        Miss(d, T0.AddSeconds(4));
        Miss(d, T0.AddSeconds(5));

        Assert.Equal(LinkState.Up, d.State);
        Assert.Equal(2, d.ConsecutiveMisses);
    }

    [Fact]
    public void A_tunnel_that_never_answers_is_down_after_N_misses()
    {
        var d = new DownDetector(missesToDown: 2, answersToUp: 3);

        Miss(d, T0);
        var change = Miss(d, T0.AddSeconds(1));

        Assert.Equal(LinkState.Down, change?.State);
    }

    [Theory]
    [InlineData(DownReason.RenewFailed)]
    [InlineData(DownReason.GatewayWithdrew)]
    [InlineData(DownReason.TunnelLost)]
    public void An_explicit_event_takes_the_tunnel_down_at_once(DownReason reason)
    {
        var d = new DownDetector(missesToDown: 3, answersToUp: 3);
        Answer(d, T0);

        var change = d.Fail(reason, T0.AddMilliseconds(10));

        Assert.Equal(new LinkTransition(LinkState.Down, reason, T0.AddMilliseconds(10)), change);
        Assert.Equal(reason, d.Reason);
        Assert.Null(d.Fail(DownReason.TunnelLost, T0.AddSeconds(1)));
        Assert.Equal(reason, d.Reason);
    }

    [Fact]
    public void A_held_tunnel_stays_down_while_it_answers_until_released()
    {
        var d = new DownDetector(missesToDown: 3, answersToUp: 3);
        Answer(d, T0);

        var change = d.Hold(DownReason.RenewFailed, T0.AddSeconds(1));
        for (var i = 2; i < 12; i++)
            Assert.Null(Answer(d, T0.AddSeconds(i)));

        Assert.Equal(new LinkTransition(LinkState.Down, DownReason.RenewFailed, T0.AddSeconds(1)), change);
        Assert.True(d.IsDown);
        d.Release();
        Assert.Null(Answer(d, T0.AddSeconds(12)));
        Assert.Null(Answer(d, T0.AddSeconds(13)));
        Assert.Equal(new LinkTransition(LinkState.Up, null, T0.AddSeconds(14)), Answer(d, T0.AddSeconds(14)));
        Assert.False(d.Held);
    }

    [Fact]
    public void Up_again_only_after_M_consecutive_answers()
    {
        var d = new DownDetector(missesToDown: 3, answersToUp: 3);
        d.Fail(DownReason.RenewFailed, T0);

        Assert.Null(Answer(d, T0.AddSeconds(1)));
        Assert.Null(Answer(d, T0.AddSeconds(2)));
        Miss(d, T0.AddSeconds(3));
        Assert.Null(Answer(d, T0.AddSeconds(4)));
        Assert.Null(Answer(d, T0.AddSeconds(5)));
        var change = Answer(d, T0.AddSeconds(6));

        Assert.Equal(new LinkTransition(LinkState.Up, null, T0.AddSeconds(6)), change);
        Assert.Null(d.Reason);
        Assert.Equal(TimeSpan.FromSeconds(4), d.UpFor(T0.AddSeconds(10)));
    }

    [Fact]
    public void Default_detection_is_under_a_second()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(800), SelectionOptions.Default.WorstCaseDetection);
    }

    /// <summary>
    /// Probes every 200 ms, each a miss 200 ms after it was sent if the path is dead. Wherever in the
    /// probe cycle the failure falls, it is declared within N × interval + timeout.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(100)]
    [InlineData(199)]
    public void A_dead_path_is_declared_down_within_N_intervals_plus_the_timeout(int failureOffsetMs)
    {
        var options = SelectionOptions.Default;
        var d = new DownDetector(options);
        var clock = new ManualClock(T0);
        var failure = T0.AddSeconds(10).AddMilliseconds(failureOffsetMs);
        var outcomes = new PriorityQueue<(DateTimeOffset Sent, bool Answered), DateTimeOffset>();
        DateTimeOffset? declared = null;

        for (var sent = T0; declared is null && sent < T0.AddSeconds(20); sent += options.ProbeInterval)
        {
            // Probes sent before the failure come back after 5 ms; the rest time out.
            var answered = sent + TimeSpan.FromMilliseconds(5) < failure;
            outcomes.Enqueue((sent, answered), answered ? sent.AddMilliseconds(5) : sent + options.ProbeTimeout);
            while (outcomes.TryPeek(out var next, out var at) && at <= sent + options.ProbeInterval && declared is null)
            {
                outcomes.Dequeue();
                clock.Advance(at - clock.Now);
                var change = d.Observe(next.Answered ? ProbeResult.Answer(next.Sent, at - next.Sent) : ProbeResult.Miss(next.Sent), clock.Now);
                if (change?.State == LinkState.Down)
                    declared = change.Value.At;
            }
        }

        Assert.NotNull(declared);
        Assert.InRange(declared.Value - failure, TimeSpan.Zero, options.WorstCaseDetection);
    }
}
