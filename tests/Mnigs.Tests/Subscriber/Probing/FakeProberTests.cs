using System.Net;
using Mnigs.Subscriber.Probing;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Subscriber.Probing;

public sealed class FakeProberTests
{
    private static readonly IPAddress Gateway = IPAddress.Parse("10.201.0.1");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_programmed_answer_comes_back_at_once_with_its_rtt_and_the_fake_clocks_time()
    {
        var prober = new FakeProber(_clock);
        prober.SetAnswer(Gateway, "mnt3fa2s0", TimeSpan.FromMilliseconds(42));

        var result = await prober.ProbeAsync(Gateway, "mnt3fa2s0", Timeout, CancellationToken.None);

        Assert.Equal(TimeSpan.FromMilliseconds(42), result.Rtt);
        Assert.Equal(_clock.GetUtcNow(), result.SentAt);
    }

    [Fact]
    public async Task Answers_belong_to_one_target_and_interface()
    {
        var prober = new FakeProber(_clock);
        prober.SetAnswer(Gateway, "mnt3fa2s0", TimeSpan.FromMilliseconds(5));

        Assert.False((await prober.ProbeAsync(Gateway, "mnt3fa2s1", Timeout, CancellationToken.None)).Answered);
        Assert.False((await prober.ProbeAsync(Gateway, null, Timeout, CancellationToken.None)).Answered);
        Assert.False((await prober.ProbeAsync(IPAddress.Parse("10.201.0.2"), "mnt3fa2s0", Timeout, CancellationToken.None)).Answered);
    }

    [Fact]
    public async Task A_target_set_down_misses_and_one_slower_than_the_timeout_misses()
    {
        var prober = new FakeProber(_clock);
        prober.SetAnswer(Gateway, null, TimeSpan.FromMilliseconds(5));
        prober.SetDown(Gateway, null);
        prober.SetAnswer(Gateway, "mnt3fa2s0", TimeSpan.FromSeconds(2));

        Assert.False((await prober.ProbeAsync(Gateway, null, Timeout, CancellationToken.None)).Answered);
        Assert.False((await prober.ProbeAsync(Gateway, "mnt3fa2s0", Timeout, CancellationToken.None)).Answered);
    }

    [Fact]
    public async Task Every_probe_is_recorded_also_from_many_threads()
    {
        var prober = new FakeProber(_clock);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => prober.ProbeAsync(Gateway, i % 2 == 0 ? "mnt3fa2s0" : null, Timeout, CancellationToken.None))));

        Assert.Equal(200, prober.Sent.Count);
        Assert.Equal(100, prober.Sent.Count(p => p.Target.Equals(Gateway) && p.Interface == "mnt3fa2s0"));
        prober.ClearSent();
        Assert.Empty(prober.Sent);
    }
}
