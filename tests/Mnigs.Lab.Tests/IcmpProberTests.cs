using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Mnigs.Core.Selection;
using Mnigs.Lab.Tests.Mesh;
using Mnigs.Subscriber.Probing;

namespace Mnigs.Lab.Tests;

/// <summary>
/// The real prober (raw ICMP sockets, so root) against this host's kernel, on the loopback only. Bound to
/// <c>lo</c>, even an address that is not local stays on the loopback, where nobody answers it.
/// </summary>
[Collection("lab")]
public sealed class IcmpProberTests : IAsyncLifetime
{
    // TEST-NET-2: not local. (Not TEST-NET-1: 192.0.2.1 is the default gateway of the lab machine itself.)
    private static readonly IPAddress Nobody = IPAddress.Parse("198.51.100.1");

    private readonly RecordingLogger _log = new();
    private IcmpProber _prober = null!;

    public Task InitializeAsync()
    {
        Shell.RequireLab("ping");
        _prober = new IcmpProber(TimeProvider.System, _log);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _prober.DisposeAsync();

    [Fact]
    public async Task Loopback_probed_through_lo_is_answered_with_a_plausible_rtt()
    {
        var before = DateTimeOffset.UtcNow;
        var (result, elapsed) = await TimedProbeAsync(IPAddress.Loopback, "lo", TimeSpan.FromSeconds(2));
        var after = DateTimeOffset.UtcNow;

        Assert.True(result.Answered, "127.0.0.1 did not answer through lo");
        Assert.InRange(result.Rtt!.Value, TimeSpan.FromTicks(1), elapsed);
        Assert.InRange(result.SentAt, before, after);
    }

    [Fact]
    public async Task Fifty_concurrent_probes_are_each_answered_by_their_own_reply()
    {
        // Every 127.0.0.x answers from its own address; the unanswered ones share the socket and its sequence numbers.
        var targets = Enumerable.Range(1, 50).Select(i => IPAddress.Parse($"127.0.0.{i}"))
            .Concat(Enumerable.Range(1, 10).Select(i => IPAddress.Parse($"198.51.100.{i}")))
            .ToList();

        var results = await Task.WhenAll(targets.Select(t => TimedProbeAsync(t, "lo", TimeSpan.FromSeconds(1))));

        for (var i = 0; i < targets.Count; i++)
        {
            var (result, elapsed) = results[i];
            if (i < 50)
            {
                Assert.True(result.Answered, $"{targets[i]} did not answer");
                Assert.InRange(result.Rtt!.Value, TimeSpan.FromTicks(1), elapsed);
            }
            else
            {
                Assert.False(result.Answered, $"{targets[i]} was answered by someone else's reply");
            }
        }
    }

    [Fact]
    public async Task Probing_through_an_interface_that_does_not_exist_misses_at_once_and_says_so_once()
    {
        var missing = "mnx" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

        var (first, elapsed) = await TimedProbeAsync(IPAddress.Loopback, missing, TimeSpan.FromSeconds(5));
        var (second, _) = await TimedProbeAsync(IPAddress.Loopback, missing, TimeSpan.FromSeconds(5));

        Assert.False(first.Answered);
        Assert.False(second.Answered);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"the miss took {elapsed}");
        var warning = Assert.Single(_log.Lines, l => l.Contains(missing, StringComparison.Ordinal));
        Assert.Contains($"there is no interface {missing}", warning);
    }

    [Fact]
    public async Task Loopback_answers_over_IPv6_along_the_routes_and_through_lo()
    {
        var routed = await _prober.ProbeAsync(IPAddress.IPv6Loopback, null, TimeSpan.FromSeconds(2), CancellationToken.None);
        var bound = await _prober.ProbeAsync(IPAddress.IPv6Loopback, "lo", TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.True(routed.Answered, "::1 did not answer");
        Assert.True(bound.Answered, "::1 did not answer through lo");
    }

    [Fact]
    public async Task A_socket_whose_first_send_failed_still_hears_later_replies()
    {
        // A broadcast without SO_BROADCAST is refused (EACCES) before anything leaves; the socket stays, and
        // its receive loop started before any send succeeded.
        var (unsent, elapsed) = await TimedProbeAsync(IPAddress.Broadcast, "lo", TimeSpan.FromSeconds(2));
        await Task.Delay(200);
        var answered = await _prober.ProbeAsync(IPAddress.Loopback, "lo", TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.False(unsent.Answered);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"a send error took {elapsed} to become a miss");
        Assert.True(answered.Answered, "127.0.0.1 did not answer through lo after a failed send");
        Assert.Empty(_log.Lines); // in particular, no receive loop died and had its socket replaced
    }

    [Fact]
    public async Task A_target_that_does_not_answer_misses_after_the_timeout()
    {
        var timeout = TimeSpan.FromMilliseconds(300);

        var (result, elapsed) = await TimedProbeAsync(Nobody, "lo", timeout);

        Assert.False(result.Answered);
        Assert.InRange(elapsed, timeout - TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Cancelling_ends_a_probe_at_once()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _prober.ProbeAsync(Nobody, "lo", TimeSpan.FromSeconds(30), cts.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"cancelling took {watch.Elapsed}");
    }

    [Fact]
    public async Task Other_pingers_and_their_oversized_replies_do_not_disturb_probes()
    {
        // ping's replies reach our raw sockets too: other identifiers, no cookie, and 3 kB ones longer than our receive buffer.
        Assert.True((await _prober.ProbeAsync(IPAddress.Loopback, null, TimeSpan.FromSeconds(2), CancellationToken.None)).Answered);
        var ping = Shell.RunAsync("ping", ["-c", "10", "-i", "0.05", "-s", "3000", "-q", "127.0.0.1"]);

        var results = new List<ProbeResult>();
        for (var i = 0; i < 10; i++)
        {
            results.Add(await _prober.ProbeAsync(IPAddress.Loopback, null, TimeSpan.FromSeconds(2), CancellationToken.None));
            results.Add(await _prober.ProbeAsync(IPAddress.Loopback, "lo", TimeSpan.FromSeconds(2), CancellationToken.None));
            await Task.Delay(30);
        }

        var pinged = await ping;
        Assert.True(pinged.ExitCode == 0, pinged.All);
        Assert.All(results, r => Assert.True(r.Answered));
    }

    private async Task<(ProbeResult Result, TimeSpan Elapsed)> TimedProbeAsync(IPAddress target, string? iface, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var result = await _prober.ProbeAsync(target, iface, timeout, CancellationToken.None);
        return (result, watch.Elapsed);
    }

    private sealed class RecordingLogger : ILogger<IcmpProber>
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                    return [.. _lines];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            lock (_lines)
                _lines.Add(formatter(state, exception));
        }
    }
}
