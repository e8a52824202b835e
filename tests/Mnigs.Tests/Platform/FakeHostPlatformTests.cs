using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

public sealed class FakeHostPlatformTests
{
    [Fact]
    public async Task The_fake_records_every_state_and_cleanup()
    {
        var fake = new FakeHostPlatform();
        var state = PlatformScenario.Subscriber();

        await fake.ApplyAsync(state, CancellationToken.None);
        await fake.CleanupAsync(CancellationToken.None);

        Assert.Equal([state], fake.Applied);
        Assert.Same(HostState.Empty, fake.Current);
        Assert.Equal(1, fake.CleanupCount);
    }

    [Fact]
    public async Task The_fake_fails_once_when_told_to()
    {
        var fake = new FakeHostPlatform { FailNextApply = new InvalidOperationException("boom") };

        await Assert.ThrowsAsync<InvalidOperationException>(() => fake.ApplyAsync(HostState.Empty, CancellationToken.None));
        await fake.ApplyAsync(HostState.Empty, CancellationToken.None);

        Assert.Single(fake.Applied);
    }
}
