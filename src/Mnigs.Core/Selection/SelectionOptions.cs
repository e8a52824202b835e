namespace Mnigs.Core.Selection;

/// <summary>
/// Every knob of the subscriber autopilot, with the defaults it ships with. The daemon builds one
/// from the <c>[subscriber]</c> section; <see cref="Problem"/> says what is wrong with a bad one.
/// </summary>
public sealed record SelectionOptions
{
    public static SelectionOptions Default { get; } = new();

    // Probing

    /// <summary>Probes through the active (and standby) tunnel: 5 a second, so three misses fit in 0.6 s.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A probe unanswered after this is a miss. Longer than <see cref="ProbeInterval"/> delays detection by the difference.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Probes over the mesh to every other known gateway: enough to rank them, cheap on a mesh with many gateways.</summary>
    public TimeSpan MeshProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A quality window keeps at most this many results: 30 s of the active tunnel's probes, so one lost probe moves its loss by under 1 %.</summary>
    public int WindowSamples { get; init; } = 150;

    /// <summary>... and only those sent in the last 30 s (30 mesh probes), so a recovered gateway's old losses fade out.</summary>
    public TimeSpan WindowAge { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Fewer results than this and a window counts as unmeasured: one lost probe is not 100 % loss.</summary>
    public int MinSamples { get; init; } = 3;

    // Downtime

    /// <summary>Unanswered probes in a row that make a tunnel down: 3 × 200 ms + the timeout = 0.8 s at worst.</summary>
    public int MissesToDown { get; init; } = 3;

    /// <summary>Answers in a row that make a down tunnel up again.</summary>
    public int AnswersToUp { get; init; } = 3;

    // Candidates

    /// <summary><c>subscriber.maxPrice</c> in micro-units per hour (as in <see cref="Directory.SuiteOffer"/>); 0 = free gateways only.</summary>
    public long MaxPriceMicros { get; init; }

    /// <summary>A gateway losing this share of its probes or more is unusable (rejected as unreachable).</summary>
    public double MaxLoss { get; init; } = 0.5;

    // Score (see CandidateRanker for the formula)

    /// <summary>Cost of loss: 10 % loss doubles a gateway's score, so loss outweighs most RTT differences.</summary>
    public double LossWeight { get; init; } = 10;

    /// <summary>Cost of load: a full gateway scores 1.2 × an empty one. Below <see cref="SwitchMargin"/>'s 1.25, so load alone never moves a healthy connection, and subscribers do not stampede between gateways.</summary>
    public double LoadWeight { get; init; } = 0.2;

    /// <summary>Milliseconds added per unit of path metric: a tie-breaker (babel's wired hop, 96, adds about 1 ms).</summary>
    public double PathMetricWeight { get; init; } = 0.01;

    /// <summary>RTT assumed for a gateway not yet measured, so any measured gateway ranks before it.</summary>
    public TimeSpan UnmeasuredRtt { get; init; } = TimeSpan.FromSeconds(1);

    // Hysteresis

    /// <summary>A healthy connection moves only to a gateway whose score is this much lower (20 %: 100 → 80 or less),
    /// comparing its pessimistic score with the active gateway's optimistic one (see <see cref="RankedCandidate.Optimistic"/>).</summary>
    public double SwitchMargin { get; init; } = 0.2;

    /// <summary>... and at least this much lower in absolute terms, so sub-millisecond lab RTTs do not trigger moves.</summary>
    public TimeSpan SwitchMinimumGain { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>... and continuously so for this long.</summary>
    public TimeSpan SwitchAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The preferred gateway takes the traffic back once it has been usable this long without a break.</summary>
    public TimeSpan PreferredReturnAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>subscriber.standby</c>: keep a second tunnel to the runner-up for make-before-break failover.</summary>
    public bool Standby { get; init; }

    // Back-off

    /// <summary>Wait after a gateway's first failure; doubles with each further failure.</summary>
    public TimeSpan BackoffInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts at one gateway.</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Up to this share is taken off each wait at random, so subscribers that lost the same gateway do not retry in step.</summary>
    public double BackoffJitter { get; init; } = 0.2;

    /// <summary>How long a failure of the active tunnel can go unnoticed, at most.</summary>
    public TimeSpan WorstCaseDetection => (ProbeInterval * MissesToDown) + ProbeTimeout;

    /// <summary>What is wrong with these options, or null when nothing is.</summary>
    public string? Problem()
    {
        if (ProbeInterval <= TimeSpan.Zero || ProbeTimeout <= TimeSpan.Zero || MeshProbeInterval <= TimeSpan.Zero)
            return "probe intervals and the probe timeout must be positive";
        if (WindowSamples < 1 || WindowAge <= TimeSpan.Zero)
            return "the quality window needs at least one sample and a positive age";
        if (MinSamples < 1 || MinSamples > WindowSamples)
            return "minimum samples must be between 1 and the window size";
        if (MissesToDown < 1 || AnswersToUp < 1)
            return "missed probes to down and answers to up must be at least 1";
        if (MaxPriceMicros < 0)
            return "the maximum price cannot be negative";
        if (MaxLoss is <= 0 or > 1)
            return "the maximum loss must be above 0 and at most 1";
        if (LossWeight < 0 || LoadWeight < 0 || PathMetricWeight < 0 || UnmeasuredRtt < TimeSpan.Zero)
            return "score weights cannot be negative";
        if (SwitchMargin is < 0 or >= 1 || SwitchMinimumGain < TimeSpan.Zero || SwitchAfter < TimeSpan.Zero || PreferredReturnAfter < TimeSpan.Zero)
            return "the switch margin must be 0 to below 1 and the hysteresis times not negative";
        if (BackoffInitial <= TimeSpan.Zero || BackoffMax < BackoffInitial || BackoffJitter is < 0 or > 0.5)
            return "back-off needs 0 < initial <= max and a jitter of 0 to 0.5";
        return null;
    }

    internal SelectionOptions Checked()
    {
        if (Problem() is { } problem)
            throw new ArgumentException($"Invalid selection options: {problem}");
        return this;
    }
}
