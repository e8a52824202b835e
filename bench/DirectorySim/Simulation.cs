using System.Buffers;
using System.Text.Json;
using Mnigs.Core.Directory;

namespace DirectorySim;

/// <summary>
/// Every node of the mesh runs a real <see cref="DirectoryBook"/>; each round every node, in a
/// random order, runs one <see cref="DirectorySync"/> exchange with one random neighbour. Each
/// message is serialized to UTF-8 JSON, counted, dropped with probability <c>loss</c> (which ends
/// the exchange, as a timeout would), and parsed by the receiver from those bytes.
/// </summary>
internal sealed class Simulation
{
    public static readonly TimeSpan RoundLength = TimeSpan.FromSeconds(10);

    private static readonly DirectoryBookOptions BookOptions = new() { MaxLifetime = TimeSpan.FromHours(12) };

    private readonly Mesh _mesh;
    private readonly DirectoryBook[] _books;
    private readonly DirectoryBook _truth;
    private readonly Random _random;
    private readonly double _loss;
    private readonly Dictionary<int, GatewayKey> _keys = [];
    private readonly Dictionary<int, long> _sequences = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _writer;
    private bool[]? _side;

    public Simulation(Mesh mesh, Ed25519Verifier verifier, double loss, Random random)
    {
        _mesh = mesh;
        _loss = loss;
        _random = random;
        _books = Enumerable.Range(0, mesh.Count).Select(_ => new DirectoryBook(verifier, BookOptions)).ToArray();
        _truth = new DirectoryBook(verifier, BookOptions);
        _writer = new Utf8JsonWriter(_buffer);
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
        var reachable = new List<int>(8);
        foreach (var a in order)
        {
            reachable.Clear();
            foreach (var b in _mesh.Links[a])
                if (_side is null || _side[a] == _side[b])
                    reachable.Add(b);
            if (reachable.Count > 0)
                Exchange(a, reachable[_random.Next(reachable.Count)]);
        }
        Traffic.Rounds++;
        Now += RoundLength;
    }

    private void Exchange(int a, int b)
    {
        var step = DirectorySync.Hello(_books[a]);
        Traffic.Exchanges++;
        for (var responderTurn = true; step.Next is { } message; responderTurn = !responderTurn)
        {
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            _buffer.ResetWrittenCount();
            _writer.Reset();
            message.WriteTo(_writer);
            _writer.Flush();
            Prof.Write += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
            Traffic.Count(message, _buffer.WrittenCount);
            if (_random.NextDouble() < _loss)
            {
                Traffic.Lost++;
                return;
            }
            t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            using var doc = JsonDocument.Parse(_buffer.WrittenMemory);
            Prof.Parse += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
            t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var kind = message.ContainsKey("digest") ? 1 : message.ContainsKey("want") ? 2 : message.ContainsKey("records") ? 3 : 0;
            step = responderTurn
                ? DirectorySync.Answer(_books[b], doc.RootElement, Now, _random)
                : DirectorySync.Continue(_books[a], doc.RootElement, Now);
            Prof.Step[kind] += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
            Require(step.Error is null && step.Refused == 0, step.Error ?? "a record was refused");
        }
    }

    private static void Require(bool condition, string what = "a merge failed")
    {
        if (!condition)
            throw new InvalidOperationException(what);
    }
}

internal static class Prof
{
    public static long Write, Parse;
    public static long[] Step = new long[4];
    public static void Print() => Console.WriteLine($"write {Write / 1e7:F1}s parse {Parse / 1e7:F1}s hello->ans {Step[0] / 1e7:F1}s digest->continue {Step[1] / 1e7:F1}s offer->answer {Step[2] / 1e7:F1}s records->continue {Step[3] / 1e7:F1}s");
}
