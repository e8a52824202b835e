using System.Diagnostics;
using System.Globalization;
using DirectorySim;

// Usage: dotnet run -c Release --project bench/DirectorySim -- --nodes 1000 [--seed 1] [--loss 0.05]
//        [--gateways-percent 1] [--nearest 3] [--refresh-rounds 180] [--verify-every-merge]
//        [--any-partner]   sync with any node of the mesh (multi-hop) instead of a neighbour
// Prints markdown tables (docs/BENCHMARKS.md, "Directory at scale (simulation)").

var options = Options.Parse(args);
var n = options.Int("nodes", 1000);
var seed = options.Int("seed", 1);
var loss = options.Double("loss", 0.05);
var gatewayCount = Math.Max(1, (int)Math.Round(n * options.Double("gateways-percent", 1) / 100));
var refreshRounds = options.Int("refresh-rounds", 180);
var verifyEveryMerge = options.Flag("verify-every-merge");
var anyPartner = options.Flag("any-partner");
var random = new Random(seed);
var total = Stopwatch.StartNew();

var clock = Stopwatch.StartNew();
var mesh = Mesh.Random(n, options.Int("nearest", 3), random);
var diameter = mesh.Diameter();
Console.WriteLine($"## N = {n}: {gatewayCount} gateways, mesh of average degree {mesh.AverageDegree:F2}, diameter {diameter} hops, log2 N = {Math.Log2(n):F1}");
var meanHops = Enumerable.Range(0, 20).Select(_ => mesh.Hops(random.Next(n)).Average()).Average();
Console.WriteLine($"(seed {seed}, {loss:P0} message loss, partners: {(anyPartner ? $"any node, {meanHops:F1} hops away on average" : "neighbours")}, " +
    $"{(verifyEveryMerge ? "every signature check performed" : "signature checks remembered per (signature, bytes)")}, built in {clock.Elapsed.TotalSeconds:F1} s)");
Console.WriteLine();
Console.WriteLine("| scenario | rounds to 50 % / 90 % / 99 % / all nodes | all nodes, minutes at 10 s | messages / node / round | bytes / node / round | KiB / node / minute | largest message (B) | signature checks / node | wall time (s) |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");

var verifier = new Ed25519Verifier(remember: !verifyEveryMerge);
var sim = new Simulation(mesh, verifier, loss, random, anyPartner);

// (a) Cold start: every gateway knows only itself.
var nodes = Enumerable.Range(0, n).ToArray();
random.Shuffle(nodes);
foreach (var g in nodes.Take(gatewayCount))
    sim.Publish(g);
Converge("(a) cold start: each gateway knows only itself");

// Steady state: nothing changes.
Steady("steady state, nothing changes", 10, _ => { });

// (b) A new gateway joins.
sim.Publish(nodes[gatewayCount]);
Converge("(b) a new gateway joins");

// (c) A gateway withdraws.
sim.Publish(nodes[0], withdrawn: true);
Converge("(c) a gateway withdraws (tombstone)");

// (d) The mesh splits into a west and an east half for 20 rounds while every gateway changes:
// each republishes once at a random round, one per side withdraws, one new per side joins.
var medianX = mesh.X.Order().ElementAt(n / 2);
var side = mesh.X.Select(x => x < medianX).ToArray();
sim.Partition(side);
var live = sim.Gateways.Where(g => g != nodes[0]).ToList();
var republish = live.ToDictionary(g => g, _ => random.Next(20));
var west = live.First(g => side[g]);
var east = live.First(g => !side[g]);
var newcomers = nodes.Skip(gatewayCount + 1).Where(i => !sim.Gateways.Contains(i)).ToList();
var joinWest = newcomers.First(i => side[i]);
var joinEast = newcomers.First(i => !side[i]);
for (var round = 0; round < 20; round++)
{
    foreach (var (g, at) in republish)
        if (at == round)
            sim.Publish(g, withdrawn: g == west || g == east);
    if (round == 0)
    {
        sim.Publish(joinWest);
        sim.Publish(joinEast);
    }
    sim.Round();
}
var inSyncAtHeal = sim.Converged();
sim.Heal();
Converge($"(d) partition healed after 20 rounds (in sync at heal: {inSyncAtHeal} of {n})");

// (e) Steady state with refresh: records live 1 h in a daemon, so each gateway re-signs every
// 30 min (180 rounds); here at one random round in the window, as independent publishers would.
if (refreshRounds > 0)
{
    var at = sim.Gateways.Where(g => sim.LastRecordOf(g) is { Withdrawn: false }).ToDictionary(g => g, _ => random.Next(refreshRounds));
    Steady($"(e) steady state, each gateway re-signs once per {refreshRounds} rounds", refreshRounds, round =>
    {
        foreach (var (g, r) in at)
            if (r == round)
                sim.Publish(g);
    });
}

Console.WriteLine();
Console.WriteLine($"One Ed25519 verification: {Ed25519Verifier.MeasureMicroseconds(sim.LastRecord!):F0} µs here; record size {sim.LastRecord!.Size} bytes; " +
    $"{verifier.Performed} real verifications for {verifier.Requested} requested; " +
    $"total {total.Elapsed.TotalSeconds:F0} s, {GC.GetTotalAllocatedBytes() / 1e9:F1} GB allocated, {Environment.ProcessorCount} cores.");

void Converge(string scenario)
{
    sim.Traffic.Reset();
    var clock = Stopwatch.StartNew();
    var requested = verifier.Requested;
    int? half = null, ninety = null, ninetyNine = null;
    var done = sim.Converged();
    while (done < n)
    {
        if (sim.Traffic.Rounds >= 100_000)
            throw new InvalidOperationException($"{scenario}: no convergence");
        sim.Round();
        done = sim.Converged();
        half ??= done * 2 >= n ? sim.Traffic.Rounds : null;
        ninety ??= done * 10 >= n * 9 ? sim.Traffic.Rounds : null;
        ninetyNine ??= done * 100 >= n * 99 ? sim.Traffic.Rounds : null;
    }
    var rounds = sim.Traffic.Rounds;
    Row(scenario, $"{half} / {ninety} / {ninetyNine} / **{rounds}**", (rounds * Simulation.RoundLength.TotalMinutes).ToString("F1", CultureInfo.InvariantCulture),
        verifier.Requested - requested, clock.Elapsed);
}

void Steady(string scenario, int rounds, Action<int> beforeRound)
{
    sim.Traffic.Reset();
    var clock = Stopwatch.StartNew();
    var requested = verifier.Requested;
    for (var r = 0; r < rounds; r++)
    {
        beforeRound(r);
        sim.Round();
    }
    Row(scenario, $"({rounds} rounds, {sim.Converged()} of {n} in sync at the end)", "–", verifier.Requested - requested, clock.Elapsed);
}

void Row(string scenario, string rounds, string minutes, long checks, TimeSpan elapsed)
{
    var t = sim.Traffic;
    var perNodeRound = (double)t.Bytes / n / Math.Max(1, t.Rounds);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {scenario} | {rounds} | {minutes} | {(double)t.Messages / n / Math.Max(1, t.Rounds):F2} | {perNodeRound:F0} | {perNodeRound * 6 / 1024:F2} | {t.LargestMessage} | {(double)checks / n:F2} | {elapsed.TotalSeconds:F1} |"));
}

internal sealed class Options(Dictionary<string, string?> values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            var name = args[i][2..];
            values[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
        }
        return new Options(values);
    }

    public int Int(string name, int fallback) =>
        values.TryGetValue(name, out var v) && v is not null ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        values.TryGetValue(name, out var v) && v is not null ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => values.ContainsKey(name);
}
