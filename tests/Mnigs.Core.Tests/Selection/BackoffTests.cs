using Mnigs.Core.Selection;
using static Mnigs.Core.Tests.Selection.Gateways;

namespace Mnigs.Core.Tests.Selection;

public sealed class BackoffTests
{
    private static readonly SelectionOptions NoJitter = SelectionOptions.Default with { BackoffJitter = 0 };

    /// <summary>Fails the gateway each time its wait runs out; returns the waits.</summary>
    private static List<TimeSpan> Waits(Backoff backoff, int failures)
    {
        var waits = new List<TimeSpan>();
        var now = T0;
        for (var i = 0; i < failures; i++)
        {
            var retryAt = backoff.Failed("gw", now);
            waits.Add(retryAt - now);
            now = retryAt;
        }
        return waits;
    }

    [Fact]
    public void Waits_double_from_one_second()
    {
        var waits = Waits(new Backoff(NoJitter, new Random(1)), 5);

        Assert.Equal([1, 2, 4, 8, 16], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public void Waits_stop_growing_at_five_minutes()
    {
        var waits = Waits(new Backoff(NoJitter, new Random(1)), 20);

        Assert.Equal(TimeSpan.FromSeconds(256), waits[8]);
        Assert.All(waits.Skip(9), w => Assert.Equal(TimeSpan.FromMinutes(5), w));
    }

    [Fact]
    public void Jitter_only_shortens_a_wait_and_waits_still_never_shrink()
    {
        var waits = Waits(new Backoff(SelectionOptions.Default, new Random(42)), 40);

        for (var i = 0; i < waits.Count; i++)
        {
            var nominal = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, i), 300));
            Assert.InRange(waits[i], nominal * 0.8, nominal);
            if (i > 0 && nominal < TimeSpan.FromMinutes(5))
                Assert.True(waits[i] >= waits[i - 1], $"wait {i} ({waits[i]}) is shorter than wait {i - 1} ({waits[i - 1]})");
        }
        Assert.True(waits.Distinct().Count() > 30, "jitter makes waits differ");
    }

    [Fact]
    public void A_success_resets_the_wait()
    {
        var backoff = new Backoff(NoJitter, new Random(1));
        Waits(backoff, 6);

        backoff.Succeeded("gw");

        Assert.Equal(0, backoff.Failures("gw"));
        Assert.Null(backoff.RetryAt("gw"));
        Assert.Equal(T0.AddHours(1).AddSeconds(1), backoff.Failed("gw", T0.AddHours(1)));
    }

    [Fact]
    public void A_gateway_is_not_tried_before_its_retry_time()
    {
        var backoff = new Backoff(NoJitter, new Random(1));
        var retryAt = backoff.Failed("gw", T0);

        Assert.True(backoff.IsBackingOff("gw", T0));
        Assert.True(backoff.IsBackingOff("gw", retryAt - TimeSpan.FromTicks(1)));
        Assert.False(backoff.IsBackingOff("gw", retryAt));
        Assert.False(backoff.IsBackingOff("other", T0));
    }

    [Fact]
    public void Reports_of_the_same_incident_count_once()
    {
        var backoff = new Backoff(NoJitter, new Random(1));

        var first = backoff.Failed("gw", T0);
        var second = backoff.Failed("gw", T0.AddMilliseconds(300));

        Assert.Equal(first, second);
        Assert.Equal(1, backoff.Failures("gw"));
    }

    [Fact]
    public void Gateways_back_off_independently()
    {
        var backoff = new Backoff(NoJitter, new Random(1));
        Waits(backoff, 4);

        Assert.Equal(T0.AddSeconds(1), backoff.Failed("other", T0));
    }

    [Fact]
    public void Forgotten_gateways_leave_the_table()
    {
        var backoff = new Backoff(NoJitter, new Random(1));
        backoff.Failed("gone", T0);
        backoff.Failed("kept", T0);

        backoff.Retain(["kept"]);

        Assert.Equal(["kept"], backoff.Gateways);
    }
}
