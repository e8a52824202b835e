using System.Net;
using Mnigs.Core.Selection;

namespace Mnigs.Subscriber.Probing;

/// <summary>
/// <see cref="IProber"/> for tests: each (target, interface) answers as programmed, at once and without
/// waiting out the timeout (tests run on a fake clock), and every probe is recorded. An unprogrammed
/// target misses. Safe to use from several threads.
/// </summary>
public sealed class FakeProber(TimeProvider? time = null) : IProber
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<(IPAddress Target, string? Interface), TimeSpan> _answers = [];
    private readonly List<(IPAddress Target, string? Interface)> _sent = [];

    /// <summary>Every probe so far, oldest first (a copy).</summary>
    public IReadOnlyList<(IPAddress Target, string? Interface)> Sent
    {
        get
        {
            lock (_lock)
                return [.. _sent];
        }
    }

    /// <summary>Probes of <paramref name="target"/> through <paramref name="iface"/> are answered after <paramref name="rtt"/>; one longer than the probe's timeout is a miss.</summary>
    public void SetAnswer(IPAddress target, string? iface, TimeSpan rtt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero);
        lock (_lock)
            _answers[(target, iface)] = rtt;
    }

    /// <summary>Probes of <paramref name="target"/> through <paramref name="iface"/> miss.</summary>
    public void SetDown(IPAddress target, string? iface)
    {
        lock (_lock)
            _answers.Remove((target, iface));
    }

    public void ClearSent()
    {
        lock (_lock)
            _sent.Clear();
    }

    public Task<ProbeResult> ProbeAsync(IPAddress target, string? interfaceName, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var sentAt = _time.GetUtcNow();
        lock (_lock)
        {
            _sent.Add((target, interfaceName));
            return Task.FromResult(_answers.TryGetValue((target, interfaceName), out var rtt) && rtt <= timeout
                ? ProbeResult.Answer(sentAt, rtt)
                : ProbeResult.Miss(sentAt));
        }
    }
}
