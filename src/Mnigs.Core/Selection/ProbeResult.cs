namespace Mnigs.Core.Selection;

/// <summary>
/// The outcome of one probe: when it was sent and, if an answer came back before the probe timeout,
/// its round-trip time. A probe is recorded once its outcome is known (answer or timeout).
/// </summary>
public readonly record struct ProbeResult(DateTimeOffset SentAt, TimeSpan? Rtt)
{
    public bool Answered => Rtt is not null;

    public static ProbeResult Answer(DateTimeOffset sentAt, TimeSpan rtt) => new(sentAt, rtt);

    public static ProbeResult Miss(DateTimeOffset sentAt) => new(sentAt, null);
}
