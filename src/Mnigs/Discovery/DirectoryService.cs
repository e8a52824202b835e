using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;
using Mnigs.Core.Directory;
using Mnigs.Core.Protocol;
using Mnigs.Gateway;
using Mnigs.Networks;
using Mnigs.Rpc;
using Mnigs.Store;

namespace Mnigs.Discovery;

/// <summary>
/// The gateway directory (the seed's DHT) in the daemon: keeps the signed records in a
/// <see cref="DirectoryBook"/> and in SQLite, publishes this node's own record while it serves as a
/// gateway (re-published at half its lifetime and on every change, withdrawn when it stops), and
/// exchanges records with other daemons: the neighbours first (a node that has just joined learns
/// every gateway from one of them, before any scan), then daemons found by scans.
/// </summary>
public sealed class DirectoryService
{
    private const int PeersPerRound = 2;

    private readonly MnigsConfig _config;
    private readonly NodeKeyRecords _keys;
    private readonly NetworkMonitor _networks;
    private readonly GatewayService _gateway;
    private readonly Scanner _scanner;
    private readonly MnigsStore _store;
    private readonly RpcClient _rpc;
    private readonly TimeProvider _time;
    private readonly ILogger<DirectoryService> _log;
    private readonly Lock _gate = new();
    private readonly DirectoryBook _book;
    private readonly Dictionary<string, long> _persisted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);
    private readonly Daemon.AsyncLock _persisting = new();
    private DirectoryRecord? _published;
    private long _lastSequence;

    public DirectoryService(MnigsConfig config, NodeKeyRecords keys, NetworkMonitor networks, GatewayService gateway, Scanner scanner,
        MnigsStore store, RpcClient rpc, TimeProvider time, ILogger<DirectoryService> log)
    {
        _config = config;
        _keys = keys;
        _networks = networks;
        _gateway = gateway;
        _scanner = scanner;
        _store = store;
        _rpc = rpc;
        _time = time;
        _log = log;
        _book = new DirectoryBook(keys);
    }

    public IReadOnlyDictionary<RecordRejection, long> Rejections
    {
        get
        {
            lock (_gate)
                return new Dictionary<RecordRejection, long>(_book.Rejections);
        }
    }

    /// <summary>Live records (not withdrawn, not expired) with when this node first saw each.</summary>
    public IReadOnlyList<(DirectoryRecord Record, DateTimeOffset FirstSeen)> Live()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
            return [.. _book.Live(now).Select(r => (r, _firstSeen.GetValueOrDefault(r.NodeId, now)))];
    }

    /// <summary>Every record kept, withdrawn ones included (a withdrawal hides what scans found earlier).</summary>
    public DirectoryRecord? Find(string nodeId)
    {
        lock (_gate)
            return _book.Find(nodeId);
    }

    /// <summary>Takes back what the store kept; every record is verified again, the expired ones dropped.</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var kept = 0;
        foreach (var text in await _store.LoadDirectoryRecordsAsync(ct))
        {
            using var doc = JsonDocument.Parse(text);
            lock (_gate)
            {
                if (_book.Merge(doc.RootElement, now).Accepted)
                    kept++;
            }
        }
        lock (_gate)
        {
            foreach (var r in _book.Records)
            {
                _persisted[r.NodeId] = r.Sequence;
                _firstSeen.TryAdd(r.NodeId, now);
                if (r.NodeId == _keys.NodeId)
                {
                    _published = r;
                    _lastSequence = r.Sequence;
                }
            }
        }
        if (kept > 0)
            _log.LogInformation("Directory: {Count} records kept from the last run", kept);
    }

    /// <summary>The public method <c>directorySync(message)</c>: the responder's side of an exchange.</summary>
    public async Task<JsonObject> HandleSyncAsync(RpcCall call, CancellationToken ct)
    {
        if (!_config.DirectoryEnabled)
            return RpcResult.Fail("The directory is turned off on this node");
        var message = call.Params.Object("message", maxBytes: 512 * 1024) ?? throw new RpcParamException("'message' is required");
        using var doc = JsonDocument.Parse(message.ToJsonString());
        SyncStep step;
        lock (_gate)
            step = DirectorySync.Answer(_book, doc.RootElement, _time.GetUtcNow());
        if (step.Error is { } error)
            return RpcResult.Fail("Bad directory message: " + error);
        if (step.Refused > 0)
            _log.LogWarning("Directory: refused {Count} records from {Peer}", step.Refused, call.Caller);
        if (step.Accepted > 0)
            await OnLearnedAsync(step.Accepted, call.Caller, ct);
        return RpcResult.Ok(new JsonObject { ["message"] = step.Next });
    }

    /// <summary>One exchange with one peer, as the initiator. Returns how many records this node learned.</summary>
    public async Task<int> SyncWithAsync(IPAddress peer, int port, CancellationToken ct)
    {
        var endpoint = RpcClient.EndpointOf(peer, port);
        JsonObject? next;
        lock (_gate)
            next = DirectorySync.Hello(_book).Next;
        var learned = 0;
        for (var turn = 0; next is not null && turn < 4; turn++)
        {
            var reply = await _rpc.CallAsync(endpoint, "directorySync", new JsonObject { ["message"] = next }, ct);
            if (!RpcResult.IsSuccess(reply) || reply["message"] is not JsonObject answer)
                return learned;
            using var doc = JsonDocument.Parse(answer.ToJsonString());
            SyncStep step;
            lock (_gate)
                step = DirectorySync.Continue(_book, doc.RootElement, _time.GetUtcNow());
            if (step.Error is { } error)
            {
                _log.LogWarning("Directory: {Peer} sent a bad message: {Error}", peer, error);
                return learned;
            }
            if (step.Refused > 0)
                _log.LogWarning("Directory: refused {Count} records from {Peer}", step.Refused, peer);
            learned += step.Accepted;
            next = step.Next;
        }
        if (learned > 0)
            await OnLearnedAsync(learned, peer, ct);
        return learned;
    }

    /// <summary>Publishes (or withdraws) this node's own record when it changed or reached half its lifetime.</summary>
    public async Task PublishAsync(CancellationToken ct)
    {
        var record = BuildOwnRecord(force: false);
        if (record is null)
            return;
        lock (_gate)
        {
            var result = _book.Merge(record, _time.GetUtcNow());
            if (!result.Accepted)
            {
                _log.LogError("Directory: own record refused: {Result}", result);
                return;
            }
            _published = record;
        }
        _log.LogInformation("Directory: published {Record}, {Suites} suites, valid until {Expires:HH:mm:ss}",
            record, record.Suites.Length, record.ExpiresAtTime);
        await OnLearnedAsync(1, null, ct);
    }

    /// <summary>On a clean stop: a gateway withdraws its record and tells its neighbours.</summary>
    public async Task WithdrawAsync(CancellationToken ct)
    {
        DirectoryRecord? withdrawal;
        lock (_gate)
        {
            if (_published is not { Withdrawn: false } || _published.IsExpired(_time.GetUtcNow()))
                return;
            withdrawal = Sign(_published.Name, [], [], 0, 0, withdrawn: true);
            _book.Merge(withdrawal, _time.GetUtcNow());
            _published = withdrawal;
        }
        _log.LogInformation("Directory: withdrew this gateway's record");
        await PersistAsync(ct);
        await PushToNeighboursAsync(ct);
    }

    /// <summary>One periodic round: publish if due, drop expired records, exchange with a few peers.</summary>
    public async Task RoundAsync(CancellationToken ct)
    {
        await PublishAsync(ct);
        List<DirectoryRecord> expired;
        lock (_gate)
        {
            expired = [.. _book.Expire(_time.GetUtcNow())];
            foreach (var r in expired)
                _persisted.Remove(r.NodeId);
        }
        foreach (var r in expired)
        {
            await _store.DeleteDirectoryRecordAsync(r.NodeId, ct);
            _log.LogInformation("Directory: {Record} expired", r);
        }

        var neighbours = await NeighboursAsync(ct);
        var others = KnownDaemons().Where(p => !neighbours.Contains(p)).ToList();
        // Not neighbours.Skip(1): on an empty list .NET 10's Concat(...).OrderBy(...).Take(...) then throws ArgumentOutOfRangeException.
        var rest = neighbours.Count > 1 ? neighbours.GetRange(1, neighbours.Count - 1) : [];
        var chosen = neighbours.OrderBy(_ => Random.Shared.Next()).Take(1)
            .Concat(others.Concat(rest).OrderBy(_ => Random.Shared.Next()).Take(PeersPerRound - 1))
            .Distinct()
            .ToList();
        foreach (var peer in chosen)
            await TrySyncAsync(peer, ct);
    }

    /// <summary>At start: ask every neighbour at once, so a node that has just joined knows the gateways before any scan.</summary>
    public async Task BootstrapAsync(CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var neighbours = await NeighboursAsync(ct);
        await Task.WhenAll(neighbours.Select(n => TrySyncAsync(n, ct)));
        int live;
        lock (_gate)
            live = _book.Live(_time.GetUtcNow()).Count(r => r.NodeId != _keys.NodeId);
        _log.LogInformation("Directory: bootstrapped from {Neighbours} neighbours in {Ms} ms, {Live} gateways known",
            neighbours.Count, (int)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, live);
    }

    private DirectoryRecord? BuildOwnRecord(bool force)
    {
        var now = _time.GetUtcNow();
        var serving = _gateway.Serving;
        lock (_gate)
        {
            var previous = _published;
            if (!serving)
            {
                // Not a gateway (any more): withdraw a record that is still live, otherwise nothing to say.
                if (previous is not { Withdrawn: false } || previous.IsExpired(now))
                    return null;
                return Sign(previous.Name, [], [], 0, 0, withdrawn: true);
            }
            var addresses = _networks.Snapshots.Values
                .Where(s => s.Health.Available)
                .SelectMany(s => s.Addresses.Select(a => new GatewayAddress(s.Name, a.ToString())))
                .Take(DirectoryRecord.MaxAddresses)
                .ToList();
            var suites = _gateway.Suites().Take(DirectoryRecord.MaxSuites).Select(s => new SuiteOffer(s.Id, _gateway.PriceMicrosOf(s))).ToList();
            var name = _config.Name.Length > DirectoryRecord.MaxNameLength ? _config.Name[..DirectoryRecord.MaxNameLength] : _config.Name;
            var due = previous is null || previous.Withdrawn
                || now >= previous.IssuedAtTime + TimeSpan.FromSeconds(_config.RecordLifetime / 2.0)
                || previous.Name != name
                || !previous.Addresses.SequenceEqual(addresses)
                || !previous.Suites.SequenceEqual(suites)
                || previous.Load != _gateway.SessionCount
                || previous.Capacity != _gateway.MaxConnections;
            if (!due && !force)
                return null;
            return Sign(name, addresses, suites, _gateway.SessionCount, _gateway.MaxConnections, withdrawn: false);
        }
    }

    private DirectoryRecord Sign(string name, IReadOnlyList<GatewayAddress> addresses, IReadOnlyList<SuiteOffer> suites, int load, int capacity, bool withdrawn)
    {
        var now = _time.GetUtcNow();
        // Unix milliseconds keep the sequence rising across restarts; +1 keeps it rising within one.
        _lastSequence = Math.Max(_lastSequence + 1, now.ToUnixTimeMilliseconds());
        return DirectoryRecord.Sign(_keys, name, addresses, _config.RpcPort, suites, load, capacity, _lastSequence,
            now, now + TimeSpan.FromSeconds(_config.RecordLifetime), withdrawn);
    }

    /// <summary>New records came in (or this node published): keep them, and push the news to the neighbours at once.</summary>
    private async Task OnLearnedAsync(int count, IPAddress? from, CancellationToken ct)
    {
        await PersistAsync(ct);
        if (from is not null)
            _log.LogInformation("Directory: learned {Count} records from {Peer}", count, from);
        _ = Task.Run(() => PushToNeighboursAsync(CancellationToken.None), CancellationToken.None);
    }

    private async Task PushToNeighboursAsync(CancellationToken ct)
    {
        try
        {
            var neighbours = await NeighboursAsync(ct);
            await Task.WhenAll(neighbours.Select(n => TrySyncAsync(n, ct)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning("Directory: push to neighbours failed: {Error}", e.Message);
        }
    }

    private async Task PersistAsync(CancellationToken ct)
    {
        using (await _persisting.EnterAsync(ct))
        {
            List<DirectoryRecord> changed;
            var now = _time.GetUtcNow();
            lock (_gate)
            {
                changed = [.. _book.Records.Where(r => !_persisted.TryGetValue(r.NodeId, out var seq) || seq < r.Sequence)];
                foreach (var r in changed)
                    _firstSeen.TryAdd(r.NodeId, now);
            }
            foreach (var r in changed)
            {
                await _store.SaveDirectoryRecordAsync(r.NodeId, r.Sequence, r.ToJson().ToJsonString(), r.ExpiresAtTime, ct);
                lock (_gate)
                    _persisted[r.NodeId] = r.Sequence;
            }
        }
    }

    private async Task TrySyncAsync(IPEndPoint peer, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await SyncWithAsync(peer.Address, peer.Port, timeout.Token);
        }
        catch (Exception e) when (e is RpcClientException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            _log.LogDebug("Directory: no exchange with {Peer}: {Error}", peer, e.Message);
        }
    }

    /// <summary>Mesh addresses of the neighbours on every available network, one per neighbour where they give IPv4 and IPv6.</summary>
    private async Task<List<IPEndPoint>> NeighboursAsync(CancellationToken ct)
    {
        var list = new List<IPEndPoint>();
        foreach (var adapter in _networks.Adapters)
        {
            if (_networks.Snapshots.TryGetValue(adapter.Name, out var snap) && !snap.Health.Available)
                continue;
            try
            {
                var hosts = await adapter.NeighbourHostsAsync(ct);
                // Prefer IPv4 when a neighbour has both: one exchange per neighbour is enough.
                list.AddRange(hosts.Where(h => h.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).Select(h => new IPEndPoint(h, _config.RpcPort)));
                if (!hosts.Any(h => h.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
                    list.AddRange(hosts.Select(h => new IPEndPoint(h, _config.RpcPort)));
            }
            catch (IOException e)
            {
                _log.LogDebug("Directory: {Network} gave no neighbours: {Error}", adapter.Name, e.Message);
            }
        }
        return [.. list.Distinct()];
    }

    /// <summary>Daemons the last scan found answering, and the gateways the directory names.</summary>
    private List<IPEndPoint> KnownDaemons()
    {
        var list = new List<IPEndPoint>();
        if (_scanner.Last is { } scan)
            list.AddRange(scan.Hosts.Where(h => h.RpcOk && h.Kind != ScanHostKind.Self && h.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                .Select(h => new IPEndPoint(h.Address, _config.RpcPort)));
        foreach (var (record, _) in Live())
        {
            if (record.NodeId == _keys.NodeId)
                continue;
            var address = record.Addresses.Select(a => IPAddress.TryParse(a.Address, out var ip) ? ip : null).OfType<IPAddress>().FirstOrDefault();
            if (address is not null)
                list.Add(new IPEndPoint(address, record.RpcPort));
        }
        return [.. list.Distinct()];
    }
}
