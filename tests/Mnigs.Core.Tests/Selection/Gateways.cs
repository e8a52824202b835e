using System.Net;
using Mnigs.Core.Directory;
using Mnigs.Core.Selection;
using Mnigs.Core.Suites;

namespace Mnigs.Core.Tests.Selection;

/// <summary>Candidates and measurements for selection tests.</summary>
internal static class Gateways
{
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly Suite BabelWireGuardFree = new("babel", "wireguard", "free");
    public static readonly Suite BabelOpenVpnVoucher = new("babel", "openvpn", "voucher");
    public static readonly Suite BabelWireGuardVoucher = new("babel", "wireguard", "voucher");
    public static readonly Suite CjdnsCjdnsFree = new("cjdns", "cjdns", "free");

    /// <summary>This node's suites, most wanted first.</summary>
    public static readonly IReadOnlyList<Suite> Supported = [BabelWireGuardFree, BabelOpenVpnVoucher, BabelWireGuardVoucher];

    /// <summary>What a full window of <paramref name="samples"/> probes with this RTT and loss summarizes to.</summary>
    public static QualitySummary Quality(double rttMs, double loss = 0, int samples = 50)
    {
        var answered = samples - (int)Math.Round(loss * samples);
        var rtt = answered == 0 ? (TimeSpan?)null : TimeSpan.FromMilliseconds(rttMs);
        return new QualitySummary(samples, answered, rtt, rtt, rtt);
    }

    public static GatewayCandidate Candidate(string id, double rttMs = 20, double loss = 0, bool preferred = false,
        int? pathMetric = null, int load = 0, int? capacity = 32, bool connected = false, QualitySummary? tunnel = null,
        SuiteOffer[]? suites = null) => new()
        {
            Id = id,
            Name = id,
            Address = IPAddress.Parse($"fd00::{id.Sum(c => c) % 0xffff:x}"),
            Suites = suites is null ? [SuiteOffer.Free(BabelWireGuardFree.Id)] : [.. suites],
            Load = load,
            Capacity = capacity,
            Preferred = preferred,
            Connected = connected,
            Mesh = Quality(rttMs, loss),
            PathMetric = pathMetric,
            Tunnel = tunnel ?? default,
        };

    public static GatewayCandidate Unmeasured(string id) => Candidate(id) with { Mesh = default };

    public static Ranking Rank(params GatewayCandidate[] candidates) => Rank(SelectionOptions.Default, candidates);

    public static Ranking Rank(SelectionOptions options, params GatewayCandidate[] candidates) =>
        new CandidateRanker(options).Rank(candidates, Supported, T0);

    public static string[] Ids(Ranking ranking) => [.. ranking.Ranked.Select(r => r.Id)];
}
