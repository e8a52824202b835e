using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;

namespace DirectorySim;

/// <summary>What the simulated daemons do; <see cref="Daemon"/> is what <c>DirectoryService</c> does.</summary>
internal sealed record Strategy(string Name, bool Push, bool NeighbourPerRound, bool FarPerRound)
{
    /// <summary>
    /// <c>DirectoryService</c>: push on change to every neighbour, and each round one exchange with a
    /// random neighbour, then one with a random daemon known from scans or the directory.
    /// </summary>
    public static readonly Strategy Daemon = new("daemon", Push: true, NeighbourPerRound: true, FarPerRound: true);

    /// <summary>The earlier model: each round one exchange with one random neighbour, nothing else.</summary>
    public static readonly Strategy Neighbour = new("neighbour", Push: false, NeighbourPerRound: true, FarPerRound: false);

    /// <summary>The earlier <c>--any-partner</c> comparison: each round one exchange with one random daemon anywhere.</summary>
    public static readonly Strategy Any = new("any", Push: false, NeighbourPerRound: false, FarPerRound: true);
}

internal sealed record Settings(
    Strategy Strategy,
    TimeSpan SyncInterval,
    TimeSpan Lifetime,
    TimeSpan Timeout,
    double LatencyMinMs,
    double LatencyMaxMs,
    double Loss,
    bool Exact);

/// <summary>
/// An event-driven simulation of <c>DirectoryService</c> on every node of a mesh, in simulated time,
/// with the real <see cref="DirectoryBook"/> and <see cref="DirectorySync"/> messages. Every message
/// is counted at its size in UTF-8 JSON, lost with probability <see cref="Settings.Loss"/>, and
/// otherwise delivered after a latency drawn per hop (one hop to a neighbour, the shortest path to a
/// far daemon). With <see cref="Settings.Exact"/> each message is serialized and the receiver parses
/// it from those bytes; otherwise each distinct message is (see <see cref="MessageCache"/>).
/// </summary>
/// <remarks>
/// <para>
/// As in the daemon: an initiator gives an exchange up <see cref="Settings.Timeout"/> after starting
/// it (TrySyncAsync's 3 s) and drops later answers; a responder still handles a request that reaches
/// it late (the HTTP request was sent). A node that accepted records as a responder pushes at once
/// (HandleSyncAsync → OnLearnedAsync); an initiator pushes when its exchange is over and it learned
/// something (SyncWithAsync). A push starts one exchange with every neighbour at the same time,
/// the sender included, with no de-duplication of pushes already under way. A round runs
/// PublishAsync (re-signing at half the lifetime), expires records, then runs its exchanges one
/// after the other. Each node's timer has its own random phase.
/// </para>
/// <para>
/// Events come out of one priority queue ordered by (time, creating node, that node's counter).
/// An event touches only its own node's state and creates events at least the shortest latency
/// later, so the events of a window that short are handled in parallel, each node's in order, and
/// every random draw comes from the generator of the node handling the event: a run is repeatable
/// for a seed whatever the number of cores.
/// </para>
/// </remarks>
internal sealed class Simulation
{
    private static readonly DateTimeOffset Epoch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const ushort Unreachable = ushort.MaxValue;

    private readonly Mesh _mesh;
    private readonly Settings _settings;
    private readonly Strategy _strategy;
    private readonly DirectoryBook[] _books;
    private readonly DirectoryBook _truth;
    private readonly GatewayKey?[] _keys;
    private readonly DirectoryRecord?[] _published;
    private readonly bool[] _serving;
    private readonly long[] _lastSequence;
    private readonly long[] _counters;
    private readonly ulong[] _rng;
    private readonly PriorityQueue<Event, Key> _queue = new(KeyComparer.Instance);
    private readonly List<(Event Event, Key Key)> _batch = [];
    private readonly Worker[] _workers;
    private readonly MessageCache _cache = new();
    private readonly InSyncMessage _inSync;
    private readonly long _interval, _halfLife, _timeout, _lookahead;
    private readonly double _latencyMin, _latencySpan;
    private readonly ushort[]?[] _hops;
    private ushort[]?[]? _hopsInPartition;
    private bool[]? _side;

    // What the current scenario waits for: every node holding at least these sequences.
    private (string NodeId, long Sequence)[] _targets = [];
    private readonly bool[] _complete;
    private readonly long[] _completedAt;
    private readonly sbyte[] _completedBy;

    public Simulation(Mesh mesh, IRecordVerifier verifier, Settings settings, int seed)
    {
        _mesh = mesh;
        _settings = settings;
        _strategy = settings.Strategy;
        var n = mesh.Count;
        var bookOptions = new DirectoryBookOptions { MaxLifetime = settings.Lifetime > TimeSpan.FromHours(1) ? settings.Lifetime : TimeSpan.FromHours(1) };
        _books = [.. Enumerable.Range(0, n).Select(_ => new DirectoryBook(verifier, bookOptions))];
        _truth = new DirectoryBook(verifier, bookOptions);
        _keys = new GatewayKey?[n];
        _published = new DirectoryRecord?[n];
        _serving = new bool[n];
        _lastSequence = new long[n];
        _counters = new long[n];
        _rng = new ulong[n];
        var seeds = new Random(seed ^ 0x5eed);
        for (var i = 0; i < n; i++)
            _rng[i] = (ulong)seeds.NextInt64() | 1;
        _workers = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Worker(n))];
        _interval = Micros(settings.SyncInterval);
        _halfLife = Micros(settings.Lifetime) / 2;
        _timeout = Micros(settings.Timeout);
        _latencyMin = settings.LatencyMinMs * 1000;
        _latencySpan = (settings.LatencyMaxMs - settings.LatencyMinMs) * 1000;
        _lookahead = Math.Max(1, (long)_latencyMin);
        _hops = new ushort[]?[n];
        _complete = new bool[n];
        _completedAt = new long[n];
        _completedBy = new sbyte[n];
        _inSync = new InSyncMessage(_cache.InSyncSize);
    }

    /// <summary>Simulated time, in microseconds since the start.</summary>
    public long Now { get; private set; }

    public int Count => _mesh.Count;

    /// <summary>Counts since the start.</summary>
    public Traffic Total { get; } = new();

    /// <summary>Counts since <see cref="Window"/>.Reset().</summary>
    public Traffic Window { get; } = new();

    public int Completed { get; private set; }

    /// <summary>Push exchanges not over yet (answered or given up).</summary>
    public int OpenPushes { get; private set; }

    public DirectoryRecord? LastRecord { get; private set; }

    public IEnumerable<int> Gateways => Enumerable.Range(0, Count).Where(i => _keys[i] is not null);

    public bool IsServing(int node) => _serving[node];

    public DirectoryRecord? Published(int node) => _published[node];

    public IEnumerable<DirectoryBook> Books => _books;

    public static long Micros(TimeSpan span) => span.Ticks / 10;

    /// <summary>Starts every node's round timer with a random phase.</summary>
    public void Start(Random random)
    {
        for (var i = 0; i < Count; i++)
            Schedule(_workers[0], i, (long)(random.NextDouble() * _interval), new Event(EventKind.Tick, i, null, null));
        Flush();
    }

    /// <summary>The node (now a gateway, or one already) signs a new record or its withdrawal, as PublishAsync and WithdrawAsync do.</summary>
    public void Publish(int node, bool withdrawn = false)
    {
        Publish(node, withdrawn, Now, _workers[0]);
        Flush();
    }

    /// <summary>Cuts every link between the two sides (true/false) until <see cref="Heal"/>.</summary>
    public void Partition(bool[] side)
    {
        _side = side;
        _hopsInPartition = new ushort[]?[Count];
    }

    public void Heal()
    {
        _side = null;
        _hopsInPartition = null;
    }

    /// <summary>From now on, counts when each node first holds at least these records (sequence or newer).</summary>
    public void Await(IEnumerable<DirectoryRecord> records)
    {
        _targets = [.. records.Select(r => (r.NodeId, r.Sequence))];
        Array.Clear(_complete);
        Completed = 0;
        var w = _workers[0];
        for (var i = 0; i < Count; i++)
            Check(i, -1, Now, w);
        Flush();
    }

    /// <summary>Microseconds since the start at which each node completed (long.MaxValue: not yet), and how.</summary>
    public (long At, int By)[] Completions() =>
        [.. Enumerable.Range(0, Count).Select(i => _complete[i] ? (_completedAt[i], (int)_completedBy[i]) : (long.MaxValue, -2))];

    /// <summary>Nodes that hold every gateway's latest unexpired record (or a newer one).</summary>
    public int InSync()
    {
        var now = Clock(Now);
        DirectoryRecord[] truth;
        lock (_truth)
            truth = [.. _truth.Records.Where(r => !r.IsExpired(now))];
        return _books.Count(b => truth.All(r => b.Find(r.NodeId) is { } mine && mine.Sequence >= r.Sequence));
    }

    public void RunFor(TimeSpan span) => RunUntil(Now + Micros(span));

    /// <summary>Handles every event up to <paramref name="end"/> (microseconds), then sets the clock there.</summary>
    public void RunUntil(long end)
    {
        Flush();
        while (_queue.TryPeek(out _, out var first) && first.Time <= end)
        {
            var windowEnd = Math.Min(first.Time + _lookahead, end + 1);
            _batch.Clear();
            while (_queue.TryPeek(out var e, out var k) && k.Time < windowEnd)
            {
                _queue.Dequeue();
                _batch.Add((e, k));
            }
            if (_batch.Count < 48 || _workers.Length == 1)
            {
                foreach (var (e, k) in _batch)
                    Handle(e, k.Time, _workers[0]);
            }
            else
            {
                Parallel.For(0, _workers.Length, w =>
                {
                    var worker = _workers[w];
                    foreach (var (e, k) in _batch)
                        if (e.Node % _workers.Length == w)
                            Handle(e, k.Time, worker);
                });
            }
            Flush();
        }
        Now = Math.Max(Now, end);
    }

    private void Flush()
    {
        foreach (var w in _workers)
        {
            foreach (var (e, k) in w.Out)
                _queue.Enqueue(e, k);
            w.Out.Clear();
            w.Traffic.AddTo(Total);
            w.Traffic.AddTo(Window);
            w.Traffic.Reset();
            Completed += w.Completed;
            OpenPushes += w.PushDelta;
            w.Completed = w.PushDelta = 0;
        }
        if (_cache.Built > 100_000)
            _cache.Clear(); // the messages come out the same when built again
    }

    private void Handle(Event e, long t, Worker w)
    {
        switch (e.Kind)
        {
            case EventKind.Tick:
                Round(e.Node, t, w);
                break;
            case EventKind.Request:
                Answer(e.Exchange!, e.Payload!, t, w);
                break;
            case EventKind.Reply:
                Continue(e.Exchange!, e.Payload!, t, w);
                break;
            case EventKind.Timeout:
                if (!e.Exchange!.Closed)
                    Close(e.Exchange, t, w, timedOut: true);
                break;
        }
    }

    /// <summary>RoundAsync: publish if due, expire, then one exchange after the other.</summary>
    private void Round(int a, long t, Worker w)
    {
        Schedule(w, a, t + _interval, new Event(EventKind.Tick, a, null, null));
        var now = Clock(t);
        if (_serving[a] && _published[a] is { } own && now >= own.IssuedAtTime + TimeSpan.FromTicks(_halfLife * 10))
            Publish(a, withdrawn: false, t, w);
        _books[a].Expire(now);

        int neighbour = -1, far = -1;
        if (_strategy.NeighbourPerRound)
        {
            var links = _mesh.Links[a];
            var reachable = 0;
            foreach (var b in links)
                if (Linked(a, b))
                    reachable++;
            if (reachable > 0)
            {
                var pick = Next(a, reachable);
                foreach (var b in links)
                    if (Linked(a, b) && pick-- == 0)
                    {
                        neighbour = b;
                        break;
                    }
            }
        }
        if (_strategy.FarPerRound && Count > 2)
        {
            // Any daemon the scans found, the whole mesh here (across a partition too: it was found before).
            do
                far = Next(a, Count);
            while (far == a || far == neighbour);
        }
        if (neighbour >= 0)
            Begin(a, neighbour, ExchangeKind.RoundNeighbour, far, t, w);
        else if (far >= 0)
            Begin(a, far, ExchangeKind.RoundFar, -1, t, w);
    }

    private void Publish(int node, bool withdrawn, long t, Worker w)
    {
        var key = _keys[node] ??= new GatewayKey();
        var now = Clock(t);
        // Unix milliseconds, +1 when two publications fall in the same millisecond, as DirectoryService.Sign.
        var sequence = Math.Max(now.ToUnixTimeMilliseconds(), _lastSequence[node] + 1);
        _lastSequence[node] = sequence;
        var name = $"gateway {node}";
        var record = withdrawn
            ? DirectoryRecord.Sign(key, name, [], 65533, [], 0, 0, sequence, now, now + _settings.Lifetime, withdrawn: true)
            : DirectoryRecord.Sign(key, name,
                [new GatewayAddress("babel", $"fd00:6d6e::{node:x}"), new GatewayAddress("yggdrasil", $"200:6d6e:{node:x}::1")],
                65533,
                [SuiteOffer.Free("babel-wireguard-free"), SuiteOffer.Free("yggdrasil-wireguard-free"), SuiteOffer.At("babel-openvpn-voucher", 0.5m)],
                Next(node, 32), 32, sequence, now, now + _settings.Lifetime, withdrawn: false);
        Require(_books[node].Merge(record, now).Accepted);
        lock (_truth)
        {
            Require(_truth.Merge(record, now).Accepted);
            LastRecord = record;
        }
        _published[node] = record;
        _serving[node] = !withdrawn;
        w.Traffic.Publications++;
        Check(node, -1, t, w);
        if (_strategy.Push)
            PushFrom(node, t, w);
    }

    /// <summary>PushToNeighboursAsync: one exchange with every neighbour, all at once.</summary>
    private void PushFrom(int a, long t, Worker w)
    {
        foreach (var b in _mesh.Links[a])
            if (Linked(a, b))
                Begin(a, b, ExchangeKind.Push, -1, t, w);
    }

    private void Begin(int a, int b, ExchangeKind kind, int then, long t, Worker w)
    {
        var hops = kind == ExchangeKind.RoundFar ? Hops(a, b, w) : Linked(a, b) ? (ushort)1 : Unreachable;
        var exchange = new Exchange(a, b, kind, hops, then);
        w.Traffic.Exchanges[(int)kind]++;
        if (kind == ExchangeKind.Push)
            w.PushDelta++;
        Schedule(w, a, t + _timeout, new Event(EventKind.Timeout, a, exchange, null));
        if (_settings.Exact)
            Send(exchange, DirectorySync.Hello(_books[a]).Next!, toResponder: true, t, w);
        else
            Send(exchange, new HelloMessage(_books[a].Summary(), _cache.HelloSize), _cache.HelloSize, toResponder: true, t, w);
    }

    /// <summary>The responder's side, HandleSyncAsync.</summary>
    private void Answer(Exchange x, object payload, long t, Worker w)
    {
        var book = _books[x.B];
        var now = Clock(t);
        int accepted;
        if (payload is byte[] json)
        {
            SyncStep step;
            using (var doc = JsonDocument.Parse(json))
                step = DirectorySync.Answer(book, doc.RootElement, now);
            Require(step.Error is null, step.Error);
            w.Traffic.Refused += step.Refused;
            accepted = step.Accepted;
            Learned(x.B, accepted, x.Kind, t, w);
            if (step.Next is { } next)
                Send(x, next, toResponder: false, t, w);
            return;
        }
        Message reply;
        switch (payload)
        {
            case HelloMessage hello:
                accepted = 0;
                reply = hello.Summary == book.Summary() ? _inSync : _cache.Digest(book, now);
                break;
            case OfferMessage offer:
                accepted = Merge(book, offer.Records, now, w);
                reply = _cache.Reply(book, offer, now);
                break;
            default:
                throw new InvalidOperationException($"a request must be a hello or an offer, not {payload.GetType().Name}");
        }
        Learned(x.B, accepted, x.Kind, t, w);
        Send(x, reply, reply.Size, toResponder: false, t, w);
    }

    /// <summary>HandleSyncAsync → OnLearnedAsync: the responder pushes as soon as it accepted something.</summary>
    private void Learned(int node, int accepted, ExchangeKind kind, long t, Worker w)
    {
        if (accepted == 0)
            return;
        Check(node, (int)kind, t, w);
        if (_strategy.Push)
            PushFrom(node, t, w);
    }

    /// <summary>As DirectorySync.MergeAll, with records read already.</summary>
    private static int Merge(DirectoryBook book, DirectoryRecord[] records, DateTimeOffset now, Worker w)
    {
        var accepted = 0;
        foreach (var record in records)
        {
            var result = book.Merge(record, now);
            if (result.Accepted)
                accepted++;
            else if (result.Outcome == MergeOutcome.Rejected)
                w.Traffic.Refused++;
        }
        return accepted;
    }

    /// <summary>The initiator's side, SyncWithAsync.</summary>
    private void Continue(Exchange x, object payload, long t, Worker w)
    {
        if (x.Closed)
        {
            w.Traffic.Late[(int)x.Kind]++; // given up already: the answer came too late
            return;
        }
        var book = _books[x.A];
        var now = Clock(t);
        int accepted;
        Message? next = null;
        if (payload is byte[] json)
        {
            SyncStep step;
            using (var doc = JsonDocument.Parse(json))
                step = DirectorySync.Continue(book, doc.RootElement, now);
            Require(step.Error is null, step.Error);
            w.Traffic.Refused += step.Refused;
            accepted = step.Accepted;
            if (accepted > 0)
            {
                x.Learned += accepted;
                Check(x.A, (int)x.Kind, t, w);
            }
            if (step.Next is { } request)
                Send(x, request, toResponder: true, t, w);
            else
                Close(x, t, w, timedOut: false);
            return;
        }
        switch (payload)
        {
            case InSyncMessage:
                accepted = 0;
                break;
            case DigestMessage digest:
                accepted = 0;
                var offer = _cache.Offer(book, digest, now);
                next = offer == OfferMessage.None ? null : offer;
                break;
            case RecordsMessage records:
                accepted = Merge(book, records.Records, now, w);
                break;
            default:
                throw new InvalidOperationException($"an answer must be inSync, a digest or records, not {payload.GetType().Name}");
        }
        if (accepted > 0)
        {
            x.Learned += accepted;
            Check(x.A, (int)x.Kind, t, w);
        }
        if (next is not null)
            Send(x, next, next.Size, toResponder: true, t, w);
        else
            Close(x, t, w, timedOut: false);
    }

    private void Close(Exchange x, long t, Worker w, bool timedOut)
    {
        x.Closed = true;
        w.Traffic.Closed[(int)x.Kind]++;
        if (timedOut)
            w.Traffic.TimedOut[(int)x.Kind]++;
        if (x.Kind == ExchangeKind.Push)
            w.PushDelta--;
        if (x.Learned > 0 && _strategy.Push)
            PushFrom(x.A, t, w);
        if (x.Then >= 0)
            Begin(x.A, x.Then, ExchangeKind.RoundFar, -1, t, w);
    }

    private void Send(Exchange x, JsonObject message, bool toResponder, long t, Worker w)
    {
        var bytes = w.Write(message);
        Send(x, bytes.ToArray(), bytes.Length, toResponder, t, w);
    }

    private void Send(Exchange x, object payload, int size, bool toResponder, long t, Worker w)
    {
        var sender = toResponder ? x.A : x.B;
        w.Traffic.Count(size, x.Hops == Unreachable ? 1 : x.Hops);
        var cut = x.Hops == Unreachable || (x.Kind != ExchangeKind.RoundFar && !Linked(x.A, x.B));
        if (cut || NextDouble(sender) < _settings.Loss)
        {
            w.Traffic.Lost++; // the initiator's timeout ends the exchange
            return;
        }
        var latency = 0.0;
        for (var h = 0; h < x.Hops; h++)
            latency += _latencyMin + NextDouble(sender) * _latencySpan;
        Schedule(w, sender, t + Math.Max(_lookahead, (long)latency),
            new Event(toResponder ? EventKind.Request : EventKind.Reply, toResponder ? x.B : x.A, x, payload));
    }

    private void Check(int node, int by, long t, Worker w)
    {
        if (_complete[node])
            return;
        var book = _books[node];
        foreach (var (id, sequence) in _targets)
            if (book.Find(id) is not { } r || r.Sequence < sequence)
                return;
        _complete[node] = true;
        _completedAt[node] = t;
        _completedBy[node] = (sbyte)by;
        w.Completed++;
    }

    private bool Linked(int a, int b) => _side is null || _side[a] == _side[b];

    private ushort Hops(int a, int b, Worker w)
    {
        var rows = _side is null ? _hops : _hopsInPartition!;
        var row = rows[a] ??= _mesh.HopsWithin(a, _side, w.Queue);
        return row[b];
    }

    private void Schedule(Worker w, int creator, long time, Event e) => w.Out.Add((e, new Key(time, creator, ++_counters[creator])));

    private static DateTimeOffset Clock(long micros) => Epoch.AddTicks(micros * 10);

    // SplitMix64, one state per node: only the thread handling a node's events draws from it.
    private ulong NextRaw(int node)
    {
        var z = _rng[node] += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private double NextDouble(int node) => (NextRaw(node) >> 11) * (1.0 / (1UL << 53));

    private int Next(int node, int bound) => (int)((NextRaw(node) >> 33) * (ulong)bound >> 31);

    private static void Require(bool condition, string? what = null)
    {
        if (!condition)
            throw new InvalidOperationException(what ?? "a merge failed");
    }

    private enum EventKind : byte
    {
        Tick,
        Request,
        Reply,
        Timeout,
    }

    private readonly record struct Event(EventKind Kind, int Node, Exchange? Exchange, object? Payload);

    private readonly record struct Key(long Time, int Creator, long Counter);

    private sealed class KeyComparer : IComparer<Key>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare(Key x, Key y)
        {
            var c = x.Time.CompareTo(y.Time);
            if (c != 0)
                return c;
            c = x.Creator.CompareTo(y.Creator);
            return c != 0 ? c : x.Counter.CompareTo(y.Counter);
        }
    }

    /// <summary>One exchange; only the initiator's events change it.</summary>
    private sealed class Exchange(int a, int b, ExchangeKind kind, ushort hops, int then)
    {
        public int A { get; } = a;

        public int B { get; } = b;

        public ExchangeKind Kind { get; } = kind;

        /// <summary>Links each message crosses; <see cref="Unreachable"/> across a partition.</summary>
        public ushort Hops { get; } = hops;

        /// <summary>The far daemon to sync with once this exchange is over (RoundAsync's second peer), or -1.</summary>
        public int Then { get; } = then;

        public bool Closed { get; set; }

        public int Learned { get; set; }
    }

    /// <summary>One thread's serializer, counters and new events.</summary>
    private sealed class Worker(int nodes)
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
        private Utf8JsonWriter? _writer;

        public List<(Event Event, Key Key)> Out { get; } = [];

        public Traffic Traffic { get; } = new();

        public int[] Queue { get; } = new int[nodes];

        public int Completed { get; set; }

        public int PushDelta { get; set; }

        public ReadOnlySpan<byte> Write(JsonObject message)
        {
            _buffer.ResetWrittenCount();
            _writer ??= new Utf8JsonWriter(_buffer);
            _writer.Reset();
            message.WriteTo(_writer);
            _writer.Flush();
            return _buffer.WrittenSpan;
        }
    }
}
