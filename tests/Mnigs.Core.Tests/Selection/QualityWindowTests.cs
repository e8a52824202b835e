using Mnigs.Core.Selection;
using static Mnigs.Core.Tests.Selection.Gateways;

namespace Mnigs.Core.Tests.Selection;

public sealed class QualityWindowTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void The_default_window_spans_30_s_of_the_active_tunnels_probes()
    {
        var options = SelectionOptions.Default;

        Assert.Equal(options.WindowAge, options.ProbeInterval * options.WindowSamples);
    }

    [Fact]
    public void An_empty_window_is_unmeasured()
    {
        var summary = new QualityWindow(50, TimeSpan.FromSeconds(30)).Summarize(T0);

        Assert.Equal(0, summary.Samples);
        Assert.Null(summary.Loss);
        Assert.Null(summary.RttMedian);
    }

    [Fact]
    public void Loss_is_the_share_of_unanswered_probes()
    {
        var window = new QualityWindow(50, TimeSpan.FromSeconds(30));
        for (var i = 0; i < 10; i++)
            window.Add(i % 5 == 0 ? ProbeResult.Miss(T0 + (i * Tick)) : ProbeResult.Answer(T0 + (i * Tick), Ms(10)));

        var summary = window.Summarize(T0 + (10 * Tick));

        Assert.Equal(10, summary.Samples);
        Assert.Equal(8, summary.Answered);
        Assert.Equal(0.2, summary.Loss!.Value, 9);
    }

    [Fact]
    public void Median_p90_and_mean_come_from_the_answered_probes_only()
    {
        var window = new QualityWindow(50, TimeSpan.FromSeconds(30));
        double[] rtts = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];
        for (var i = 0; i < rtts.Length; i++)
            window.Add(ProbeResult.Answer(T0 + (i * Tick), Ms(rtts[i])));
        window.Add(ProbeResult.Miss(T0 + (10 * Tick)));

        var summary = window.Summarize(T0 + (11 * Tick));

        Assert.Equal(Ms(55), summary.RttMedian);
        Assert.Equal(Ms(90), summary.RttP90);
        Assert.Equal(Ms(55), summary.RttMean);
    }

    [Fact]
    public void Only_the_last_W_samples_count()
    {
        var window = new QualityWindow(5, TimeSpan.FromMinutes(10));
        for (var i = 0; i < 5; i++)
            window.Add(ProbeResult.Miss(T0 + (i * Tick)));
        for (var i = 5; i < 10; i++)
            window.Add(ProbeResult.Answer(T0 + (i * Tick), Ms(10)));

        var summary = window.Summarize(T0 + (10 * Tick));

        Assert.Equal(5, summary.Samples);
        Assert.Equal(0.0, summary.Loss);
        Assert.Equal(5, window.Count);
    }

    [Fact]
    public void Samples_older_than_T_no_longer_count()
    {
        var window = new QualityWindow(100, TimeSpan.FromSeconds(10));
        window.Add(ProbeResult.Miss(T0));
        window.Add(ProbeResult.Miss(T0.AddSeconds(1)));
        window.Add(ProbeResult.Answer(T0.AddSeconds(9), Ms(10)));

        Assert.Equal(3, window.Summarize(T0.AddSeconds(9.5)).Samples);
        var later = window.Summarize(T0.AddSeconds(10.5));

        Assert.Equal(2, later.Samples);
        Assert.Equal(0.5, later.Loss);
        Assert.Equal(0, window.Summarize(T0.AddSeconds(30)).Samples);
    }

    [Fact]
    public void An_hour_at_five_probes_a_second_stays_bounded()
    {
        var window = new QualityWindow(maxSamples: 50, maxAge: TimeSpan.FromMinutes(1));
        var now = T0;
        for (var i = 0; i < 18_000; i++, now += Tick)
            window.Add(ProbeResult.Answer(now, Ms(10 + (i % 7))));

        var summary = window.Summarize(now);

        Assert.Equal(50, summary.Samples);
        Assert.Equal(50, window.Count);
        Assert.Equal(Ms(13), summary.RttMedian);
    }
}
