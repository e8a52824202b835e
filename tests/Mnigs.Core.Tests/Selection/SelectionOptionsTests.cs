using Mnigs.Core.Selection;

namespace Mnigs.Core.Tests.Selection;

public sealed class SelectionOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Null(SelectionOptions.Default.Problem());
    }

    [Fact]
    public void A_bad_option_is_reported_in_words_and_refused_by_the_policy()
    {
        var bad = SelectionOptions.Default with { SwitchMargin = 1.5 };

        Assert.Equal("the switch margin must be 0 to below 1 and the hysteresis times not negative", bad.Problem());
        Assert.Throws<ArgumentException>(() => new SelectionPolicy(bad));
    }

    [Fact]
    public void Jitter_above_a_half_is_refused_because_waits_could_then_shrink()
    {
        Assert.NotNull((SelectionOptions.Default with { BackoffJitter = 0.6 }).Problem());
    }
}
