using System.Diagnostics;
using System.Globalization;
using DirectorySim;

// Usage: dotnet run -c Release --project bench/DirectorySim -- --nodes 1000 [--seed 1] [--loss 0.05]
//        [--mode daemon|neighbour|any]  daemon (default): what DirectoryService does (push on change to every
//                                       neighbour; each round one random neighbour, then one random known daemon);
//                                       neighbour: the earlier model (each round one random neighbour, no push);
//                                       any: each round one random daemon anywhere, no push (was --any-partner)
//        [--no-push] [--no-far]         take one part out of the daemon's strategy
//        [--sync-interval 10] [--lifetime 600] [--timeout 3]   seconds, as the daemon's defaults
//        [--latency-min-ms 5] [--latency-max-ms 20]           one hop; a far daemon: one draw per hop of the shortest path
//        [--gateways-percent 1] [--nearest 3] [--partition-seconds 200] [--steady-seconds 300]
//        [--max-seconds 1200]           a scenario stops waiting for the last nodes after this long
//        [--verify-every-merge]         no memory of signatures checked already
//        [--exact]                      serialize and parse every message (slower; the same tables)
// Prints markdown tables (docs/BENCHMARKS.md, "Directory at scale (simulation)").

var options = Options.Parse(args);
var n = options.Int("nodes", 1000);
var seed = options.Int("seed", 1);
var gatewayCount = Math.Max(1, (int)Math.Round(n * options.Double("gateways-percent", 1) / 100));
var verifyEveryMerge = options.Flag("verify-every-merge");
var strategy = (options.Flag("any-partner") ? "any" : options.String("mode", "daemon")) switch
{
    "daemon" => Strategy.Daemon,
    "neighbour" or "neighbor" => Strategy.Neighbour,
    "any" => Strategy.Any,
    var other => throw new ArgumentException($"unknown mode '{other}' (daemon, neighbour, any)"),
};
if (options.Flag("no-push"))
    strategy = strategy with { Name = strategy.Name + ", no push", Push = false };
if (options.Flag("no-far"))
    strategy = strategy with { Name = strategy.Name + ", no far partner", FarPerRound = false };
var settings = new Settings(
    strategy,
    TimeSpan.FromSeconds(options.Double("sync-interval", 10)),
    TimeSpan.FromSeconds(options.Double("lifetime", 600)),
    TimeSpan.FromSeconds(options.Double("timeout", 3)),
    options.Double("latency-min-ms", 5),
    options.Double("latency-max-ms", 20),
    options.Double("loss", 0.05),
    options.Flag("exact"));
var maxSeconds = options.Double("max-seconds", 1200);
var partitionSeconds = options.Double("partition-seconds", 200);
var steadySeconds = options.Double("steady-seconds", 300);
var interval = settings.SyncInterval.TotalSeconds;
var random = new Random(seed);
var total = Stopwatch.StartNew();

var clock = Stopwatch.StartNew();
var mesh = Mesh.Random(n, options.Int("nearest", 3), random);
var diameter = mesh.Diameter();
var meanHops = Enumerable.Range(0, 20).Select(_ => mesh.Hops(random.Next(n)).Average()).Average();
Console.WriteLine($"## N = {n}, mode {strategy.Name}: {gatewayCount} gateways, mesh of average degree {mesh.AverageDegree:F2}, diameter {diameter} hops, " +
    $"mean distance {meanHops:F1} hops, log2 N = {Math.Log2(n):F1}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"(seed {seed}; {settings.Loss:P0} message loss; {settings.LatencyMinMs:0.#}-{settings.LatencyMaxMs:0.#} ms per hop; rounds every {interval:0.#} s; " +
    $"records live {settings.Lifetime.TotalSeconds:0} s, re-signed at half; exchanges given up after {settings.Timeout.TotalSeconds:0.#} s; " +
    $"{(verifyEveryMerge ? "every signature check performed" : "signature checks remembered per (signature, bytes)")}; " +
    $"{(settings.Exact ? "every message serialized and parsed" : "each distinct message serialized and parsed once")}; mesh built in {clock.Elapsed.TotalSeconds:F1} s)"));
Console.WriteLine();
Console.WriteLine("| scenario | mode | seconds to 50 % / 90 % / 99 % / all nodes | rounds | nodes reached first by a round exchange | messages / node | KiB / node | messages / node / min | KiB / node / min | KiB / node / min with relaying | largest message (B) | far exchanges given up (answer too late) | wall (s) |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");

var verifier = new Ed25519Verifier(remember: !verifyEveryMerge);
var sim = new Simulation(mesh, verifier, settings, seed);
sim.Start(random);
sim.RunFor(settings.SyncInterval); // every timer has ticked once

// (a) Cold start: every gateway starts serving at once and knows only itself.
var nodes = Enumerable.Range(0, n).ToArray();
random.Shuffle(nodes);
foreach (var g in nodes.Take(gatewayCount))
    sim.Publish(g);
Converge("(a) cold start: each gateway knows only itself", nodes.Take(gatewayCount));

// Steady state: no gateway changes (a re-signing at half-life would be counted in the label).
Steady("steady state, no change", TimeSpan.FromSeconds(60));

// (b) A new gateway joins.
sim.Publish(nodes[gatewayCount]);
Converge("(b) a new gateway joins", [nodes[gatewayCount]]);

// (c) A gateway withdraws.
sim.Publish(nodes[0], withdrawn: true);
Converge("(c) a gateway withdraws (tombstone)", [nodes[0]]);

// (d) The mesh splits into a west and an east half while every gateway changes: each re-signs
// once at a random time, one per side withdraws, one new per side joins at the cut.
var medianX = mesh.X.Order().ElementAt(n / 2);
var side = mesh.X.Select(x => x < medianX).ToArray();
var live = sim.Gateways.Where(sim.IsServing).ToList();
var west = live.First(g => side[g]);
var east = live.First(g => !side[g]);
var newcomers = nodes.Skip(gatewayCount + 1).Where(i => sim.Published(i) is null).ToList();
var joinWest = newcomers.First(i => side[i]);
var joinEast = newcomers.First(i => !side[i]);
var cut = sim.Now;
var actions = live.Select(g => (At: cut + (long)(random.NextDouble() * partitionSeconds * 1e6), Node: g)).OrderBy(a => a.At).ToList();
sim.Partition(side);
sim.Publish(joinWest);
sim.Publish(joinEast);
foreach (var (at, g) in actions)
{
    sim.RunUntil(at);
    sim.Publish(g, withdrawn: g == west || g == east);
}
sim.RunUntil(cut + (long)(partitionSeconds * 1e6));
var inSyncAtHeal = sim.InSync();
sim.Heal();
Converge($"(d) partition of {partitionSeconds:0} s healed ({inSyncAtHeal} of {n} in sync at the heal)", [.. live, joinWest, joinEast]);

// (e) Steady state: the daemon re-signs each record at half its lifetime (spread out by (d)), so
// once per 300 s window with the default lifetime of 600 s.
Steady("(e) steady state with re-signing", TimeSpan.FromSeconds(steadySeconds));

Console.WriteLine();
var t = sim.Total;
var rejections = sim.Books.SelectMany(b => b.Rejections).GroupBy(r => r.Key).Select(g => $"{g.Key} {g.Sum(r => r.Value)}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Exchanges: {t.Exchanges[0]} pushes ({Percent(t.TimedOut[0], t.Closed[0])} given up), {t.Exchanges[1]} with a neighbour in rounds ({Percent(t.TimedOut[1], t.Closed[1])} given up), " +
    $"{t.Exchanges[2]} with a far daemon ({Percent(t.TimedOut[2], t.Closed[2])} given up, {Percent(t.Late[2], t.Closed[2])} answered too late); {t.Messages} messages, {t.Lost} lost; " +
    $"records refused: {string.Join(", ", rejections.DefaultIfEmpty("none"))}; {t.Publications} records signed; {sim.Now / 1e6:F0} s simulated."));
Console.WriteLine($"One Ed25519 verification: {Ed25519Verifier.MeasureMicroseconds(sim.LastRecord!):F0} µs here; record size {sim.LastRecord!.Size} bytes; " +
    $"{verifier.Performed} real verifications for {verifier.Requested} requested; " +
    $"total {total.Elapsed.TotalSeconds:F0} s ({GC.GetTotalPauseDuration().TotalSeconds:F0} s paused by the GC, {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F0} s of CPU), {GC.GetTotalAllocatedBytes() / 1e9:F1} GB allocated, {Environment.ProcessorCount} cores.");

static string Percent(long part, long whole) => whole == 0 ? "–" : ((double)part / whole).ToString("P1", CultureInfo.InvariantCulture);

void Converge(string scenario, IEnumerable<int> gateways)
{
    var wall = Stopwatch.StartNew();
    var start = sim.Now;
    sim.Window.Reset();
    sim.Await(gateways.Select(g => sim.Published(g)!));
    var step = Simulation.Micros(TimeSpan.FromMilliseconds(100));
    var cap = start + (long)(maxSeconds * 1e6);
    while (sim.Completed < n && sim.Now < cap)
        sim.RunUntil(sim.Now + step);
    // Let the pushes that are still under way end, so that the window holds all the change cost.
    var quiet = sim.Now + Simulation.Micros(TimeSpan.FromSeconds(10));
    while (sim.OpenPushes > 0 && sim.Now < quiet)
        sim.RunUntil(sim.Now + step);

    var completions = sim.Completions();
    var times = completions.Where(c => c.At != long.MaxValue).Select(c => (c.At - start) / 1e6).Order().ToArray();
    string At(double share)
    {
        var k = (int)Math.Ceiling(share * n);
        return k <= times.Length ? times[k - 1].ToString(times[k - 1] < 100 ? "F1" : "F0", CultureInfo.InvariantCulture) : "–";
    }
    var fromRounds = completions.Count(c => c.By is (int)ExchangeKind.RoundNeighbour or (int)ExchangeKind.RoundFar);
    var all = times.Length == n;
    var rounds = all ? (times[^1] / interval).ToString("F1", CultureInfo.InvariantCulture) : "–";
    var reached = all ? $"**{At(1)}**" : $"**never** ({(double)times.Length / n:P1} after {maxSeconds:0} s)";
    Row(scenario, $"{At(0.5)} / {At(0.9)} / {At(0.99)} / {reached}", rounds, fromRounds.ToString(CultureInfo.InvariantCulture), sim.Now - start, wall.Elapsed);
}

void Steady(string scenario, TimeSpan span)
{
    var wall = Stopwatch.StartNew();
    var start = sim.Now;
    sim.Window.Reset();
    sim.RunFor(span);
    Row($"{scenario}, {span.TotalSeconds:0} s ({sim.Window.Publications} records signed; {sim.InSync()} of {n} in sync at the end)", "–", "–", "–", sim.Now - start, wall.Elapsed);
}

void Row(string scenario, string times, string rounds, string fromRounds, long micros, TimeSpan wall)
{
    var w = sim.Window;
    var minutes = micros / 60e6;
    const int far = (int)ExchangeKind.RoundFar;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {scenario} | {strategy.Name} | {times} | {rounds} | {fromRounds} | {(double)w.Messages / n:F1} | {w.Bytes / 1024.0 / n:F2} | " +
        $"{w.Messages / minutes / n:F1} | {w.Bytes / 1024.0 / minutes / n:F2} | {w.AirBytes / 1024.0 / minutes / n:F2} | {w.LargestMessage} | " +
        $"{Percent(w.TimedOut[far], w.Closed[far])} ({Percent(w.Late[far], w.Closed[far])}) | {wall.TotalSeconds:F1} |"));
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

    public string String(string name, string fallback) =>
        values.TryGetValue(name, out var v) && v is not null ? v : fallback;

    public bool Flag(string name) => values.ContainsKey(name);
}
