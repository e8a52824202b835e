using System.Collections.Immutable;
using System.Globalization;
using Mnigs.Core.Directory;
using Mnigs.Core.Suites;

namespace Mnigs.Core.Selection;

/// <summary>
/// Filters the known gateways down to those this node may use now, and orders them best first.
/// </summary>
/// <remarks>
/// <para>A gateway is left out when none of its suites is supported here, when every supported
/// suite costs more than <see cref="SelectionOptions.MaxPriceMicros"/>, when it is at capacity
/// (unless this node already holds a session there), when it is backing off, or when it lost
/// <see cref="SelectionOptions.MaxLoss"/> of its probes or more.</para>
/// <para>The score is a cost in milliseconds, lower is better:</para>
/// <code>
/// score = (rtt + PathMetricWeight × pathMetric) × (1 + LossWeight × loss) × (1 + LoadWeight × load / capacity)
/// </code>
/// <para><c>rtt</c> and <c>loss</c> are the tunnel's median RTT and loss ratio when the tunnel has
/// <see cref="SelectionOptions.MinSamples"/> results (that is what the traffic sees), else the mesh
/// probes', else <see cref="SelectionOptions.UnmeasuredRtt"/> and no loss. With the defaults 10 %
/// loss doubles the cost, so loss decides first, then RTT, with the path metric (about 1 ms per
/// babel wired hop) and load (at most × 1.2) breaking near-ties.</para>
/// <para>Each ranked gateway also carries the score with its loss at either end of what its probes
/// allow (<see cref="RankedCandidate.Optimistic"/>, <see cref="RankedCandidate.Pessimistic"/>), which
/// <see cref="SelectionPolicy"/> uses to tell a better gateway from a lucky window.</para>
/// <para>Order: measured preferred gateways first (the operator asked for them), then by score, then
/// by id so that equal scores rank the same way every time.</para>
/// </remarks>
public sealed class CandidateRanker(SelectionOptions options)
{
    /// <summary>Width of the loss interval behind <see cref="RankedCandidate.Optimistic"/> and <see cref="RankedCandidate.Pessimistic"/>.</summary>
    public const double LossStandardErrors = 1.0;

    private readonly SelectionOptions _options = options.Checked();

    /// <param name="supported">Suites this node can use, most wanted first.</param>
    /// <param name="backoff">Gateways that failed recently; null when none is tracked.</param>
    public Ranking Rank(IEnumerable<GatewayCandidate> candidates, IReadOnlyList<Suite> supported, DateTimeOffset now, Backoff? backoff = null)
    {
        var ranked = ImmutableArray.CreateBuilder<RankedCandidate>();
        var rejected = ImmutableArray.CreateBuilder<RejectedCandidate>();
        foreach (var candidate in candidates)
        {
            var (entry, rejection) = Assess(candidate, supported, now, backoff);
            if (entry is not null)
                ranked.Add(entry);
            else
                rejected.Add(rejection!);
        }
        ranked.Sort(Compare);
        return new Ranking(ranked.ToImmutable(), rejected.ToImmutable());
    }

    /// <summary>The score of <paramref name="candidate"/> by the formula above; lower is better.</summary>
    public double Score(GatewayCandidate candidate) => Measure(candidate).Score;

    private static int Compare(RankedCandidate a, RankedCandidate b)
    {
        var preferred = (b.Preferred && b.Measured).CompareTo(a.Preferred && a.Measured);
        if (preferred != 0)
            return preferred;
        var score = a.Score.CompareTo(b.Score);
        return score != 0 ? score : string.CompareOrdinal(a.Id, b.Id);
    }

    private (RankedCandidate?, RejectedCandidate?) Assess(GatewayCandidate c, IReadOnlyList<Suite> supported, DateTimeOffset now, Backoff? backoff)
    {
        SuiteOffer? best = null;
        var bestOrder = int.MaxValue;
        long cheapestSupported = long.MaxValue;
        foreach (var offer in c.Suites)
        {
            var order = IndexOf(supported, offer.Id);
            if (order < 0)
                continue;
            cheapestSupported = Math.Min(cheapestSupported, offer.PriceMicros);
            if (offer.PriceMicros > _options.MaxPriceMicros || (_options.MaxPriceMicros == 0 && IsPaid(offer)))
                continue;
            if (best is not { } b || offer.PriceMicros < b.PriceMicros || (offer.PriceMicros == b.PriceMicros && order < bestOrder))
                (best, bestOrder) = (offer, order);
        }
        if (cheapestSupported == long.MaxValue)
            return Reject(c, Rejection.NoCommonSuite, "offers no suite this node supports");
        if (best is not { } suite)
            return Reject(c, Rejection.TooExpensive, cheapestSupported <= _options.MaxPriceMicros
                ? "asks for payment (a voucher), and subscriber.maxPrice 0 uses free gateways only"
                : $"costs {Price(cheapestSupported)} per hour, more than subscriber.maxPrice {Price(_options.MaxPriceMicros)}");
        if (!c.Connected && c.Capacity is { } capacity && c.Load >= capacity)
            return Reject(c, Rejection.AtCapacity, $"is full ({c.Load} of {capacity} sessions)");
        if (!c.Connected && backoff is not null && backoff.IsBackingOff(c.Id, now))
            return Reject(c, Rejection.BackingOff,
                $"failed {backoff.Failures(c.Id)} time(s); next try in {(backoff.RetryAt(c.Id)!.Value - now).TotalSeconds:0.#} s");

        var m = Measure(c);
        if (m.Measured && m.Loss >= _options.MaxLoss)
            return Reject(c, Rejection.Unreachable, $"lost {m.Loss:P0} of its probes");
        return (new RankedCandidate(c, suite, m.Score, m.Measured, m.Loss, m.Rtt) { Optimistic = m.Optimistic, Pessimistic = m.Pessimistic }, null);
    }

    private Measurement Measure(GatewayCandidate c)
    {
        var quality = c.Tunnel.Samples >= _options.MinSamples ? c.Tunnel : c.Mesh;
        var measured = quality.Samples >= _options.MinSamples;
        var loss = measured ? quality.Loss!.Value : 0;
        var rtt = measured && quality.RttMedian is { } median ? median : _options.UnmeasuredRtt;
        var load = c.Capacity is { } capacity && capacity > 0 ? Math.Clamp((double)c.Load / capacity, 0, 1) : 0;
        var metric = Math.Max(c.PathMetric ?? 0, 0);
        var (low, high) = measured ? LossInterval(quality.Lost, quality.Samples) : (0, 0);
        double Cost(double lossRatio) =>
            (rtt.TotalMilliseconds + (_options.PathMetricWeight * metric))
            * (1 + (_options.LossWeight * lossRatio))
            * (1 + (_options.LoadWeight * load));
        return new Measurement(Cost(loss), Cost(low), Cost(high), measured, loss, rtt);
    }

    /// <summary>The Wilson score interval, one standard error wide each side, of <paramref name="lost"/> in <paramref name="samples"/>.</summary>
    private static (double Low, double High) LossInterval(int lost, int samples)
    {
        const double z = LossStandardErrors;
        double n = samples, p = (double)lost / samples, z2n = z * z / n;
        var centre = (p + (z2n / 2)) / (1 + z2n);
        var half = z * Math.Sqrt((p * (1 - p) / n) + (z2n / (4 * n))) / (1 + z2n);
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    private readonly record struct Measurement(double Score, double Optimistic, double Pessimistic, bool Measured, double Loss, TimeSpan Rtt);

    private static int IndexOf(IReadOnlyList<Suite> supported, string id)
    {
        for (var i = 0; i < supported.Count; i++)
            if (supported[i].Id == id)
                return i;
        return -1;
    }

    /// <summary>A suite whose payment is not <c>free</c> holds the session back until paid, whatever its price (a voucher may cost 0).</summary>
    private static bool IsPaid(SuiteOffer offer) => Suite.TryParse(offer.Id, out var suite) && suite.Payment != "free";

    private static string Price(long micros) =>
        ((decimal)micros / SuiteOffer.MicrosPerUnit).ToString("0.######", CultureInfo.InvariantCulture);

    private static (RankedCandidate?, RejectedCandidate?) Reject(GatewayCandidate c, Rejection reason, string message) =>
        (null, new RejectedCandidate(c, reason, $"{c} {message}"));
}
