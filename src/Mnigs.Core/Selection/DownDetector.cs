namespace Mnigs.Core.Selection;

/// <summary>
/// Decides whether one tunnel is up from the outcome of its probes and from explicit events.
/// Down after <see cref="MissesToDown"/> unanswered probes in a row, or at once on
/// <see cref="Fail"/>; up again after <see cref="AnswersToUp"/> answers in a row. A new tunnel
/// (<see cref="LinkState.Unknown"/>) is up at its first answer: it has nothing to prove it recovered from.
/// </summary>
/// <remarks>
/// With probes every <c>I</c> and a timeout <c>T</c>, a failure is declared at most
/// <c>N × I + T</c> after it happens (see <see cref="SelectionOptions.WorstCaseDetection"/>): the first
/// probe it swallows is sent within <c>I</c>, the N-th one <c>(N - 1) × I</c> later, and its miss is
/// known <c>T</c> after that. 200 ms and N = 3 give 0.8 s.
/// </remarks>
public sealed class DownDetector
{
    public DownDetector(int missesToDown, int answersToUp)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(missesToDown, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(answersToUp, 1);
        MissesToDown = missesToDown;
        AnswersToUp = answersToUp;
    }

    public DownDetector(SelectionOptions options) : this(options.MissesToDown, options.AnswersToUp)
    {
    }

    public int MissesToDown { get; }

    public int AnswersToUp { get; }

    public LinkState State { get; private set; } = LinkState.Unknown;

    /// <summary>When the current state was entered; null while still <see cref="LinkState.Unknown"/>.</summary>
    public DateTimeOffset? Since { get; private set; }

    /// <summary>Why the tunnel is down; null unless <see cref="State"/> is <see cref="LinkState.Down"/>.</summary>
    public DownReason? Reason { get; private set; }

    public int ConsecutiveMisses { get; private set; }

    public int ConsecutiveAnswers { get; private set; }

    public bool IsDown => State == LinkState.Down;

    /// <summary>Kept down by <see cref="Hold"/> whatever the probes say.</summary>
    public bool Held { get; private set; }

    /// <summary>How long the tunnel has been up without interruption; zero unless up.</summary>
    public TimeSpan UpFor(DateTimeOffset now) =>
        State == LinkState.Up && Since is { } since && now > since ? now - since : TimeSpan.Zero;

    /// <summary>Counts one probe outcome; returns the change of state it caused, if any.</summary>
    public LinkTransition? Observe(ProbeResult probe, DateTimeOffset now)
    {
        if (probe.Answered)
        {
            ConsecutiveMisses = 0;
            ConsecutiveAnswers++;
            if (Held)
                return null;
            var needed = State == LinkState.Unknown ? 1 : AnswersToUp;
            return State != LinkState.Up && ConsecutiveAnswers >= needed ? Enter(LinkState.Up, null, now) : null;
        }
        ConsecutiveAnswers = 0;
        ConsecutiveMisses++;
        return State != LinkState.Down && ConsecutiveMisses >= MissesToDown
            ? Enter(LinkState.Down, DownReason.MissedProbes, now)
            : null;
    }

    /// <summary>Declares the tunnel down now, whatever the probes say; null when it already was.</summary>
    public LinkTransition? Fail(DownReason reason, DateTimeOffset now)
    {
        ConsecutiveAnswers = 0;
        return State == LinkState.Down ? null : Enter(LinkState.Down, reason, now);
    }

    /// <summary>
    /// Down because of something the probes cannot see (the gateway's daemon stopped renewing, though
    /// its tunnel may still answer): answers do not bring it up until <see cref="Release"/>.
    /// </summary>
    public LinkTransition? Hold(DownReason reason, DateTimeOffset now)
    {
        Held = true;
        return Fail(reason, now);
    }

    /// <summary>What held the tunnel down is over; from now on <see cref="AnswersToUp"/> answers bring it up.</summary>
    public void Release()
    {
        if (!Held)
            return;
        Held = false;
        ConsecutiveAnswers = 0;
    }

    private LinkTransition Enter(LinkState state, DownReason? reason, DateTimeOffset now)
    {
        State = state;
        Reason = reason;
        Since = now;
        return new LinkTransition(state, reason, now);
    }
}
