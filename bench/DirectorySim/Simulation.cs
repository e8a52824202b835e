using System.Buffers;
using System.Text.Json;
using Mnigs.Core.Directory;

namespace DirectorySim;

/// <summary>
/// Every node of the mesh runs a real <see cref="DirectoryBook"/>; each round every node, in a
/// random order, runs one <see cref="DirectorySync"/> exchange with one random neighbour (or, with
/// <c>anyPartner</c>, with any node of the mesh, reached over several hops). Each
/// message is serialized to UTF-8 JSON, counted, dropped with probability <c>loss</c> (which ends
/// the exchange, as a timeout would), and parsed by the receiver from those bytes.
/// </summary>
/// <remarks>
/// A round's exchanges are cut, in their random order, into runs that share no node; the exchanges
/// of one run go on in parallel, which gives exactly what running them one after the other would.
/// Partners and losses are drawn beforehand from one seeded generator, so a run is repeatable.
/// </remarks>
internal sealed class Simulation
{
    public static readonly TimeSpan RoundLength = TimeSpan.FromSeconds(10);

    private static readonly DirectoryBookOptions BookOptions = new() { MaxLifetime = TimeSpan.FromHours(12) };

    private readonly Mesh _mesh;
    private readonly DirectoryBook[] _books;
    private readonly DirectoryBook _truth;
    private readonly Random _random;
    private readonly double _loss;
    private readonly bool _anyPartner;
    private readonly Dictionary<int, GatewayKey> _keys = [];
    private readonly Dictionary<int, long> _sequences = [];
    private readonly Wire[] _wires = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Wire())];
    private readonly int[] _batchOf;
    private bool[]? _side;

    public Simulation(Mesh mesh, Ed25519Verifier verifier, double loss, Random random, bool anyPartner = false)
    {
        _mesh = mesh;
        _anyPartner = anyPartner;
        _loss = loss;
        _random = random;
        _books = Enumerable.Range(0, mesh.Count).Select(_ => new DirectoryBook(verifier, BookOptions)).ToArray();
        _truth = new DirectoryBook(verifier, BookOptions);
        _batchOf = new int[mesh.Count];
    }

    public DateTimeOffset Now { get; private set; } = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public IReadOnlyCollection<int> Gateways => _keys.Keys;

    public Traffic Traffic { get; } = new();

    public DirectoryRecord? LastRecord { get; private set; }

    public DirectoryRecord? LastRecordOf(int node) => _keys.TryGetValue(node, out var key) ? _truth.Find(key.NodeId) : null;

    /// <summary>The node signs a new record (one real Ed25519 signature) and holds it; nobody else knows it yet.</summary>
    public void Publish(int node, bool withdrawn = false)
    {
        if (!_keys.TryGetValue(node, out var key))
            _keys[node] = key = new GatewayKey();
        // Unix milliseconds, bumped when two publications fall in the same millisecond of simulated time.
        var sequence = Math.Max(Now.ToUnixTimeMilliseconds(), _sequences.GetValueOrDefault(node) + 1);
        _sequences[node] = sequence;
        var record = DirectoryRecord.Sign(key, $"gateway {node}",
            withdrawn ? [] : [new GatewayAddress("babel", $"fd00:6d6e::{node:x}"), new GatewayAddress("yggdrasil", $"200:6d6e:{node:x}::1")],
            65533,
            withdrawn ? [] : [SuiteOffer.Free("babel-wireguard-free"), SuiteOffer.Free("yggdrasil-wireguard-free"), SuiteOffer.At("babel-openvpn-voucher", 0.5m)],
            _random.Next(0, 32), 32, sequence, Now, Now + TimeSpan.FromHours(12), withdrawn);
        Require(_books[node].Merge(record, Now).Accepted);
        Require(_truth.Merge(record, Now).Accepted);
        LastRecord = record;
    }

    /// <summary>Cuts every link between the two sides (true/false) until <see cref="Heal"/>.</summary>
    public void Partition(bool[] side) => _side = side;

    public void Heal() => _side = null;

    public int Converged()
    {
        var truth = _truth.Summary();
        return _books.Count(b => b.Summary() == truth);
    }

    public void Round()
    {
        var order = Enumerable.Range(0, _mesh.Count).ToArray();
        _random.Shuffle(order);
        var plan = new List<Planned>(order.Length);
        var reachable = new List<int>(8);
        foreach (var a in order)
        {
            int partner;
            if (_anyPartner)
            {
                // Any daemon the scanner found, however many hops away (on this side of a partition).
                do
                    partner = _random.Next(_mesh.Count);
                while (partner == a || (_side is not null && _side[a] != _side[partner]));
            }
            else
            {
                reachable.Clear();
                foreach (var b in _mesh.Links[a])
                    if (_side is null || _side[a] == _side[b])
                        reachable.Add(b);
                if (reachable.Count == 0)
                    continue;
                partner = reachable[_random.Next(reachable.Count)];
            }
            // The first message lost, if any (4 = none): an exchange has at most four messages.
            var lost = 4;
            for (var m = 0; m < 4; m++)
                if (_random.NextDouble() < _loss)
                {
                    lost = m;
                    break;
                }
            plan.Add(new Planned(a, partner, lost));
        }

        Array.Fill(_batchOf, -1);
        var batch = 0;
        var start = 0;
        for (var k = 0; k < plan.Count; k++)
        {
            var (a, b, _) = plan[k];
            if (_batchOf[a] == batch || _batchOf[b] == batch)
            {
                Run(plan, start, k);
                (batch, start) = (batch + 1, k);
            }
            _batchOf[a] = _batchOf[b] = batch;
        }
        Run(plan, start, plan.Count);

        foreach (var wire in _wires)
            wire.Traffic.AddTo(Traffic);
        Traffic.Rounds++;
        Now += RoundLength;
    }

    private void Run(List<Planned> plan, int from, int to)
    {
        if (to - from < 8 || _wires.Length == 1)
        {
            for (var k = from; k < to; k++)
                Exchange(plan[k], _wires[0]);
            return;
        }
        Parallel.For(0, _wires.Length, w =>
        {
            for (var k = from + w; k < to; k += _wires.Length)
                Exchange(plan[k], _wires[w]);
        });
    }

    private void Exchange(Planned planned, Wire wire)
    {
        var (a, b, lost) = planned;
        var step = DirectorySync.Hello(_books[a]);
        wire.Traffic.Exchanges++;
        for (var m = 0; step.Next is { } message; m++)
        {
            var bytes = wire.Write(message);
            wire.Traffic.Count(message, bytes.Length);
            if (m == lost)
            {
                wire.Traffic.Lost++;
                return;
            }
            using var doc = JsonDocument.Parse(bytes);
            step = m % 2 == 0
                ? DirectorySync.Answer(_books[b], doc.RootElement, Now)
                : DirectorySync.Continue(_books[a], doc.RootElement, Now);
            Require(step.Error is null && step.Refused == 0, step.Error ?? "a record was refused");
        }
    }

    private static void Require(bool condition, string what = "a merge failed")
    {
        if (!condition)
            throw new InvalidOperationException(what);
    }

    private readonly record struct Planned(int Initiator, int Responder, int LostMessage);

    /// <summary>One thread's serializer and counters.</summary>
    private sealed class Wire
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
        private readonly Utf8JsonWriter _writer;

        public Wire() => _writer = new Utf8JsonWriter(_buffer);

        public Traffic Traffic { get; } = new();

        public ReadOnlyMemory<byte> Write(System.Text.Json.Nodes.JsonObject message)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset();
            message.WriteTo(_writer);
            _writer.Flush();
            return _buffer.WrittenMemory;
        }
    }
}
