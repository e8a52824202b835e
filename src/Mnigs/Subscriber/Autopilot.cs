using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;
using Mnigs.Core.Protocol;
using Mnigs.Core.Selection;
using Mnigs.Discovery;
using Mnigs.Metrics;
using Mnigs.Platform;
using Mnigs.Store;
using Mnigs.Subscriber.Probing;

namespace Mnigs.Subscriber;

/// <summary>
/// Keeps the subscriber online: probes every known gateway over the mesh and the active (and
/// standby) tunnel 5 times a second, ranks the gateways (<see cref="CandidateRanker"/>), and lets
/// <see cref="SelectionPolicy"/> decide whether to stay, move or fail over; then carries the decision
/// out through <see cref="SubscriberService"/>. A tunnel missing <c>subscriber.missedProbes</c>
/// probes in a row, a refused renewal or a withdrawn gateway is a failover at once; with
/// <c>subscriber.standby</c> the runner-up's tunnel is already up and only the routes move.
/// </summary>
/// <remarks>
/// It steers only while engaged: from the start with <c>subscriber.autoconnect</c>, or after a
/// <c>connect</c> (a gateway named there counts as preferred until the next connect), until a
/// <c>disconnect</c>. Disengaged it still measures, so status and metrics show every gateway.
/// </remarks>
public sealed class Autopilot : IAsyncDisposable
{
    /// <summary>Most gateways probed over the mesh each round: the connected ones and the first others listed.</summary>
    public const int MaxMeshProbed = 32;

    /// <summary>Mesh probe rounds per round actually sent while the autopilot is not steering.</summary>
    public const int IdleMeshRounds = 10;

    private static readonly TimeSpan DecisionPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(10);

    private readonly MnigsConfig _config;
    private readonly SelectionOptions _options;
    private readonly SubscriberService _subscriber;
    private readonly Func<CancellationToken, Task<List<GatewayList.Entry>>> _listGateways;
    private readonly Func<string, DateTimeOffset, bool> _withdrawnSince;
    private readonly IProber _prober;
    private readonly QualityRecorder? _recorder;
    private readonly MnigsMetrics? _metrics;
    private readonly HookRunner _hooks;
    private readonly TimeProvider _time;
    private readonly ILogger<Autopilot> _log;
    private readonly CandidateRanker _ranker;
    private readonly SelectionPolicy _policy;
    private readonly Backoff _backoff;
    private readonly Dictionary<string, GatewayTrack> _tracks = new(StringComparer.Ordinal);
    private readonly Daemon.AsyncLock _act = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private List<GatewayList.Entry> _entries = [];
    private bool _engaged;
    private string? _pinned;
    private volatile IReadOnlyList<string> _preferred;
    private bool _online;
    private SelectionDecision? _decision;
    private Ranking _ranking = Ranking.Empty;
    private long _failovers;
    private long _meshRounds;
    private List<string> _published = [];
    private JsonObject? _lastFailover;

    public Autopilot(MnigsConfig config, SubscriberService subscriber,
        Func<CancellationToken, Task<List<GatewayList.Entry>>> listGateways, Func<string, DateTimeOffset, bool> withdrawnSince,
        IProber prober, QualityRecorder? recorder, MnigsMetrics? metrics, HookRunner hooks, TimeProvider time, Random random,
        ILogger<Autopilot> log)
    {
        _config = config;
        _options = SelectionOptionsFromConfig.From(config);
        _subscriber = subscriber;
        _listGateways = listGateways;
        _withdrawnSince = withdrawnSince;
        _prober = prober;
        _recorder = recorder;
        _metrics = metrics;
        _hooks = hooks;
        _time = time;
        _log = log;
        _ranker = new CandidateRanker(_options);
        _policy = new SelectionPolicy(_options);
        _backoff = new Backoff(_options, random);
        _engaged = config.Autoconnect;
        _preferred = [.. config.PreferredGateways];
        subscriber.Lost += OnLost;
        subscriber.RenewFailed += OnRenewFailed;
        subscriber.Renewed += OnRenewed;
    }

    public SelectionOptions Options => _options;

    /// <summary>Steering the connection (autoconnect, or a connect since the last disconnect).</summary>
    public bool Engaged => _engaged;

    /// <summary>The active tunnel answers its probes: this node reaches the Internet through a gateway.</summary>
    public bool Online => _online;

    public long Failovers => Interlocked.Read(ref _failovers);

    public SelectionDecision? LastDecision => _decision;

    /// <summary>The preferred gateways in force: subscriber.preferredGateway, or what <see cref="SetPreferred"/> set since.</summary>
    public IReadOnlyList<string> PreferredGateways => _preferred;

    /// <summary>
    /// Replaces subscriber.preferredGateway while running (the web UI saved a new one), and drops the
    /// gateway an operator's connect pinned, so the new preference counts from the next decision.
    /// </summary>
    public void SetPreferred(IReadOnlyList<string> names)
    {
        _preferred = [.. names];
        _pinned = null;
        Wake();
    }

    public Ranking LastRanking => _ranking;

    /// <summary>Runs the probe and decision loops until <paramref name="stop"/>.</summary>
    public Task RunAsync(CancellationToken stop) => Task.WhenAll(
        LoopAsync(_options.ProbeInterval, ProbeTunnelsAsync, stop),
        LoopAsync(_options.MeshProbeInterval, ProbeMeshAsync, stop),
        DecideLoopAsync(stop),
        LoopAsync(TimeSpan.FromSeconds(5), ct => _recorder?.FlushAsync(ct) ?? Task.CompletedTask, stop));

    /// <summary>
    /// An operator's connect: to <paramref name="address"/>, which then counts as preferred (traffic
    /// returns to it after a failover once it is healthy again); with no address, to the best gateway.
    /// </summary>
    public async Task<JsonObject> ConnectAsync(IPAddress? address, int port, string? suite, CancellationToken ct)
    {
        using (await _act.EnterAsync(ct))
        {
            _engaged = true;
            if (address is null)
            {
                _pinned = null;
                await StepLockedAsync(ct);
                return _subscriber.Current is { } c
                    ? RpcResult.Ok(new JsonObject { ["connection"] = c.Describe(_time.GetUtcNow()), ["reason"] = _decision?.Reason })
                    : RpcResult.Fail(_decision?.Reason ?? "No gateway is usable yet", temporary: true);
            }
            _pinned = address.ToString();
            var result = await _subscriber.ConnectAsync(address, port, suite, ct);
            if (_subscriber.Current is { } connected)
            {
                Track(Key(connected)).TunnelOpened(connected.Sid);
                _backoff.Succeeded(Key(connected));
            }
            return result;
        }
    }

    /// <summary>An operator's disconnect: every tunnel closed, and no reconnecting until the next connect.</summary>
    public async Task<JsonObject> DisconnectAsync(CancellationToken ct)
    {
        using (await _act.EnterAsync(ct))
        {
            _engaged = false;
            _pinned = null;
            var result = await _subscriber.DisconnectAsync(ct);
            UpdateOnline();
            return result;
        }
    }

    /// <summary>One probe through every open tunnel; a tunnel going down wakes the decision loop.</summary>
    public async Task ProbeTunnelsAsync(CancellationToken ct)
    {
        var probes = new List<Task>();
        foreach (var connection in _subscriber.Connections)
        {
            var target = ProbeTargetOf(connection);
            if (target is null)
                continue;
            var track = Track(Key(connection));
            track.TunnelOpened(connection.Sid);
            probes.Add(ProbeOneTunnelAsync(track, connection, target, ct));
        }
        await Task.WhenAll(probes);
    }

    private async Task ProbeOneTunnelAsync(GatewayTrack track, Connection connection, IPAddress target, CancellationToken ct)
    {
        var result = await _prober.ProbeAsync(target, connection.Interface, _options.ProbeTimeout, ct);
        _recorder?.Record(track.Id, QualityPath.Tunnel, result);
        var change = track.AddTunnel(connection.Sid, result, _time.GetUtcNow());
        if (change is null)
            return;
        _log.LogInformation("Tunnel to {Gateway} on {Interface} is {State}", connection.GatewayAddress, connection.Interface, change.Value);
        _metrics?.SetTunnel(connection.Interface, track.Id, Role(connection), change.Value.State == LinkState.Up);
        Wake();
    }

    /// <summary>
    /// One probe over the mesh to each known gateway (at most <see cref="MaxMeshProbed"/>). A node
    /// that is not steering (a gateway, a node with autoconnect off) probes only every
    /// <see cref="IdleMeshRounds"/>-th round: its figures are for status, and a mesh of many such
    /// nodes should not carry a ping per node and gateway every second.
    /// </summary>
    public async Task ProbeMeshAsync(CancellationToken ct)
    {
        if (_entries.Count == 0 || (!_engaged && _meshRounds++ % IdleMeshRounds != 0))
            return;
        var connected = _subscriber.Connections.Select(Key).ToHashSet(StringComparer.Ordinal);
        var targets = _entries.Where(e => e.Managed)
            .OrderBy(e => connected.Contains(KeyOf(e)) ? 0 : 1)
            .Take(MaxMeshProbed)
            .Select(e => (Key: KeyOf(e), Address: IPAddress.TryParse(e.PrimaryAddress, out var a) ? a : null))
            .Where(t => t.Address is not null)
            .ToList();
        var timeout = _options.MeshProbeInterval < TimeSpan.FromSeconds(1) ? _options.MeshProbeInterval : TimeSpan.FromSeconds(1);
        await Task.WhenAll(targets.Select(t => ProbeMeshOneAsync(Track(t.Key), t.Address!, timeout, ct)));
    }

    // About to connect: a gateway not measured yet gets its first samples at once (sent together),
    // so the first choice rests on measurements rather than on list order.
    private async Task MeasureUnmeasuredAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var timeout = _options.MeshProbeInterval < TimeSpan.FromSeconds(1) ? _options.MeshProbeInterval : TimeSpan.FromSeconds(1);
        var probes = new List<Task>();
        foreach (var e in _entries.Where(e => e.Managed).Take(MaxMeshProbed))
        {
            var track = Track(KeyOf(e));
            var missing = _options.MinSamples - track.MeshQuality(now).Samples;
            if (missing <= 0 || !IPAddress.TryParse(e.PrimaryAddress, out var address))
                continue;
            for (var i = 0; i < missing; i++)
                probes.Add(ProbeMeshOneAsync(track, address, timeout, ct));
        }
        await Task.WhenAll(probes);
    }

    private async Task ProbeMeshOneAsync(GatewayTrack track, IPAddress address, TimeSpan timeout, CancellationToken ct)
    {
        var result = await _prober.ProbeAsync(address, null, timeout, ct);
        track.AddMesh(result);
        _recorder?.Record(track.Id, QualityPath.Mesh, result);
    }

    /// <summary>One decision: refresh the gateway list, rank, decide, and carry it out.</summary>
    public async Task StepAsync(CancellationToken ct)
    {
        using (await _act.EnterAsync(ct))
            await StepLockedAsync(ct);
    }

    private async Task StepLockedAsync(CancellationToken ct)
    {
        _entries = await _listGateways(ct);
        if (_engaged && _subscriber.Current is null)
            await MeasureUnmeasuredAsync(ct);
        var now = _time.GetUtcNow();
        var connections = _subscriber.Connections.Where(c => !c.Test).ToList();
        var active = _subscriber.Current;
        var ranking = _ranker.Rank(Candidates(connections, now), _subscriber.SupportedSuites(), now, _backoff);
        _ranking = ranking;
        Publish(ranking, now);

        var activeKey = active is null ? null : Key(active);
        var activeDown = active is not null && Track(activeKey!).TunnelState == LinkState.Down;
        var standby = connections.FirstOrDefault(c => c.Sid != active?.Sid);
        var standbyUp = standby is not null && Track(Key(standby)).TunnelState == LinkState.Up;
        var decision = _policy.Decide(ranking, now, activeKey, activeDown, standbyUp ? Key(standby!) : null);
        if (_engaged && (decision.Kind != _decision?.Kind || decision.TargetId != _decision?.TargetId))
            _log.LogInformation("Autopilot: {Decision}", decision);
        _decision = decision;

        if (_engaged)
        {
            await CarryOutAsync(decision, active, activeDown, ct);
            await KeepStandbyAsync(decision, ct);
        }
        UpdateOnline();
    }

    private async Task CarryOutAsync(SelectionDecision decision, Connection? active, bool activeDown, CancellationToken ct)
    {
        // NoneAvailable does nothing: a dead tunnel with nowhere to go stays. The gateway may come back
        // (a crashed daemon restarts with its sessions) and the same tunnel and addresses carry on; its
        // lease still ends it.
        switch (decision.Kind)
        {
            case DecisionKind.Connect or DecisionKind.SwitchTo or DecisionKind.Failover:
                var started = _time.GetTimestamp();
                var moved = await MoveToAsync(decision.Target!, ct);
                if (active is null)
                    return;
                if (decision.Kind == DecisionKind.Failover)
                {
                    _backoff.Failed(Key(active), _time.GetUtcNow());
                    if (moved)
                        await _subscriber.CloseAsync(active.Sid, ct);
                }
                else if (moved && !_options.Standby)
                {
                    await _subscriber.CloseAsync(active.Sid, ct);
                }
                if (moved)
                    CountMove(decision, active, started);
                break;
        }
    }

    /// <summary>Routes through the target: its standby tunnel when that is up, else a new tunnel.</summary>
    private async Task<bool> MoveToAsync(RankedCandidate target, CancellationToken ct)
    {
        var existing = _subscriber.Connections.FirstOrDefault(c => !c.Test && Key(c) == target.Id);
        if (existing is not null)
            return await _subscriber.ActivateAsync(existing.Sid, ct);
        var (result, opened) = await _subscriber.OpenAsync(target.Candidate.Address, target.Candidate.Port, target.Suite.Id, ct, replaceSharing: true);
        if (opened is null)
        {
            var retry = _backoff.Failed(target.Id, _time.GetUtcNow());
            _log.LogWarning("Autopilot: could not connect to {Gateway}: {Error}; next try after {Retry:HH:mm:ss}",
                target.Candidate, RpcResult.ErrorOf(result), retry);
            Wake();
            return false;
        }
        Track(target.Id).TunnelOpened(opened.Sid);
        _backoff.Succeeded(target.Id);
        return await _subscriber.ActivateAsync(opened.Sid, ct);
    }

    /// <summary>Keeps exactly the standby tunnel the decision names (none without <c>subscriber.standby</c>).</summary>
    private async Task KeepStandbyAsync(SelectionDecision decision, CancellationToken ct)
    {
        var active = _subscriber.Current;
        var wanted = _options.Standby && active is not null ? decision.Standby : null;
        foreach (var c in _subscriber.Connections.Where(c => !c.Test && c.Sid != active?.Sid && Key(c) != wanted?.Id))
            await _subscriber.CloseAsync(c.Sid, ct);
        if (wanted is null || _subscriber.Connections.Any(c => !c.Test && Key(c) == wanted.Id))
            return;
        var (result, opened) = await _subscriber.OpenAsync(wanted.Candidate.Address, wanted.Candidate.Port, wanted.Suite.Id, ct);
        if (opened is null)
        {
            _backoff.Failed(wanted.Id, _time.GetUtcNow());
            _log.LogWarning("Autopilot: no standby tunnel to {Gateway}: {Error}", wanted.Candidate, RpcResult.ErrorOf(result));
            return;
        }
        Track(wanted.Id).TunnelOpened(opened.Sid);
        _backoff.Succeeded(wanted.Id);
        _log.LogInformation("Autopilot: standby tunnel to {Gateway} on {Interface}", wanted.Candidate, opened.Interface);
    }

    private void CountMove(SelectionDecision decision, Connection from, long started)
    {
        var reason = decision.Kind switch
        {
            DecisionKind.Failover when _withdrawnSince(Key(from), from.CreatedAt) => "withdrawn",
            DecisionKind.Failover => "down",
            _ when decision.Target!.Preferred => "preferred",
            _ => "better",
        };
        Interlocked.Increment(ref _failovers);
        _metrics?.CountFailover(reason);
        _lastFailover = new JsonObject
        {
            ["at"] = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            ["from"] = from.GatewayAddress.ToString(),
            ["to"] = decision.Target!.Candidate.Address.ToString(),
            ["kind"] = decision.Kind.ToString(),
            ["reason"] = decision.Reason,
            ["tookMs"] = Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1),
        };
        _log.LogWarning("Autopilot: moved from {From} to {To} ({Reason}) in {Ms:0} ms", from.GatewayAddress,
            decision.Target.Candidate.Address, decision.Reason, _time.GetElapsedTime(started).TotalMilliseconds);
    }

    private List<GatewayCandidate> Candidates(List<Connection> connections, DateTimeOffset now)
    {
        var list = new List<GatewayCandidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var preferred = Preferences.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var e in _entries.Where(e => e.Managed && e.Port > 0))
        {
            var key = KeyOf(e);
            if (!seen.Add(key) || !IPAddress.TryParse(e.PrimaryAddress, out var primary))
                continue;
            var track = Track(key);
            track.LastListed = now;
            var connection = connections.FirstOrDefault(c => Key(c) == key);
            list.Add(new GatewayCandidate
            {
                Id = key,
                Name = e.Name,
                Address = connection?.GatewayAddress ?? primary,
                Port = connection?.GatewayPort ?? e.Port,
                Suites = [.. e.Offers],
                Load = e.Load ?? 0,
                Capacity = e.Capacity,
                Preferred = IsPreferred(preferred, e.Name, key, e.Addresses.Select(a => a.Address)),
                Connected = connection is not null,
                Mesh = track.MeshQuality(now),
                Tunnel = connection is null ? default : track.TunnelQuality(now),
            });
        }
        // A gateway connected by address that no list names (scans off, no directory) is still a
        // candidate, unless it withdrew: then leaving it is the point.
        foreach (var c in connections)
        {
            var key = Key(c);
            if (seen.Contains(key) || _withdrawnSince(key, c.CreatedAt))
                continue;
            var track = Track(key);
            track.LastListed = now;
            list.Add(new GatewayCandidate
            {
                Id = key,
                Name = c.GatewayName,
                Address = c.GatewayAddress,
                Port = c.GatewayPort,
                Suites = [Core.Directory.SuiteOffer.Free(c.Suite.Id)],
                Preferred = IsPreferred(preferred, c.GatewayName, key, [c.GatewayAddress.ToString()]),
                Connected = true,
                Mesh = track.MeshQuality(now),
                Tunnel = track.TunnelQuality(now),
            });
        }
        lock (_tracks)
            foreach (var stale in _tracks.Values.Where(t => now - t.LastListed > ForgetAfter).Select(t => t.Id).ToList())
                _tracks.Remove(stale);
        _backoff.Retain(list.Select(c => c.Id));
        return list;
    }

    /// <summary>What counts as preferred now: the gateway an operator connected to by address, else the configured ones.</summary>
    private IReadOnlyList<string> Preferences => _pinned is { } pinned ? [pinned] : _preferred;

    private static bool IsPreferred(HashSet<string> preferred, string name, string key, IEnumerable<string> addresses) =>
        preferred.Count > 0 && (preferred.Contains(key) || (name.Length > 0 && preferred.Contains(name)) || addresses.Any(preferred.Contains));

    private void Publish(Ranking ranking, DateTimeOffset now)
    {
        if (_metrics is null)
            return;
        foreach (var r in ranking.Ranked.Select(r => r.Candidate).Concat(ranking.Rejected.Select(r => r.Candidate)))
        {
            _metrics.SetGatewayQuality(r.Id, r.Name, "mesh", r.Mesh.RttMedian, r.Mesh.Loss);
            _metrics.SetGatewayQuality(r.Id, r.Name, "tunnel", r.Tunnel.RttMedian, r.Tunnel.Loss);
        }
        _metrics.RetainGateways([.. ranking.Ranked.Select(r => r.Id).Concat(ranking.Rejected.Select(r => r.Id))]);
        var open = _subscriber.Connections;
        foreach (var c in open)
            _metrics.SetTunnel(c.Interface, Key(c), Role(c), Track(Key(c)).TunnelState == LinkState.Up);
        // A tunnel closed by a move keeps no stale series.
        foreach (var gone in _published.Except(open.Select(c => c.Interface)).ToList())
            _metrics.RemoveTunnel(gone);
        _published = [.. open.Select(c => c.Interface)];
    }

    private void UpdateOnline()
    {
        var active = _subscriber.Current;
        // A tunnel held back for payment answers its probes but carries nothing to the Internet.
        var online = active is not null && !active.Payment.Required && Track(Key(active)).TunnelState == LinkState.Up;
        if (online == _online)
            return;
        _online = online;
        _metrics?.SetOnline(online);
        _log.LogInformation("This node is now {State}", online ? "online" : "offline");
        var values = new List<(string, string)> { ("gateway", active?.GatewayAddress.ToString() ?? ""), ("interface", active?.Interface ?? "") };
        _ = online
            ? _hooks.RunAsync("onGoingOnline", _config.OnGoingOnline, values, CancellationToken.None)
            : _hooks.RunAsync("onGoingOffline", _config.OnGoingOffline, values, CancellationToken.None);
    }

    private void OnLost(Connection connection, string reason)
    {
        var key = Key(connection);
        _backoff.Failed(key, _time.GetUtcNow());
        Track(key).TunnelOpened(null);
        _metrics?.RemoveTunnel(connection.Interface);
        Wake();
    }

    // The gateway's daemon does not answer: its tunnel may still carry traffic, but nobody there keeps
    // the session. Counted as down, so the autopilot moves (make-before-break) while it still works.
    private void OnRenewFailed(Connection connection, string reason)
    {
        var track = Track(Key(connection));
        if (track.TunnelSid == connection.Sid)
            track.RenewFailed(_time.GetUtcNow());
        Wake();
    }

    private void OnRenewed(Connection connection)
    {
        var track = Track(Key(connection));
        if (track.TunnelSid == connection.Sid)
            track.Renewed();
    }

    /// <summary>What status shows: engaged, online, the decision and every gateway's standing.</summary>
    public JsonObject Describe()
    {
        var now = _time.GetUtcNow();
        var gateways = new JsonArray();
        foreach (var r in _ranking.Ranked)
            gateways.Add((JsonNode)DescribeCandidate(r.Candidate, now, "usable", null, r.Score));
        foreach (var r in _ranking.Rejected)
            gateways.Add((JsonNode)DescribeCandidate(r.Candidate, now, r.Reason.ToString(), r.Message, null));
        var active = _subscriber.Current;
        return new JsonObject
        {
            ["engaged"] = _engaged,
            ["online"] = _online,
            ["state"] = State(active),
            ["decision"] = _decision?.Kind.ToString(),
            ["reason"] = _decision?.Reason,
            ["preferred"] = new JsonArray([.. Preferences.Select(p => (JsonNode)p)]),
            ["standbyEnabled"] = _options.Standby,
            ["standby"] = _subscriber.Connections.FirstOrDefault(c => !c.Test && c.Sid != active?.Sid)?.GatewayAddress.ToString(),
            ["failovers"] = Failovers,
            ["lastFailover"] = _lastFailover?.DeepClone(),
            ["probeIntervalMs"] = _options.ProbeInterval.TotalMilliseconds,
            ["detectionMs"] = _options.WorstCaseDetection.TotalMilliseconds,
            ["gateways"] = gateways,
        };
    }

    private string State(Connection? active)
    {
        if (active is not null)
            return Track(Key(active)).TunnelState switch
            {
                LinkState.Up => "online",
                LinkState.Down => "gateway down",
                _ => "connecting",
            };
        if (!_engaged)
            return "not connected";
        return _decision?.Kind == DecisionKind.NoneAvailable ? "no usable gateway; still trying" : "connecting";
    }

    private JsonObject DescribeCandidate(GatewayCandidate c, DateTimeOffset now, string standing, string? why, double? score)
    {
        static JsonObject Quality(QualitySummary q) => new()
        {
            ["samples"] = q.Samples,
            ["loss"] = q.Loss is { } l ? Math.Round(l, 4) : null,
            ["rttMs"] = q.RttMedian is { } r ? Math.Round(r.TotalMilliseconds, 2) : null,
        };
        return new JsonObject
        {
            ["id"] = c.Id,
            ["name"] = c.Name,
            ["address"] = c.Address.ToString(),
            ["standing"] = standing,
            ["why"] = why,
            ["score"] = score is { } s ? Math.Round(s, 2) : null,
            ["preferred"] = c.Preferred,
            ["connected"] = c.Connected,
            ["tunnel"] = c.Connected ? Track(c.Id).TunnelState.ToString().ToLowerInvariant() : null,
            ["mesh"] = Quality(c.Mesh),
            ["through"] = c.Connected ? Quality(c.Tunnel) : null,
            ["retryAt"] = _backoff.RetryAt(c.Id) is { } at && at > now ? at.ToUnixTimeMilliseconds() : null,
        };
    }

    private IPAddress? ProbeTargetOf(Connection c)
    {
        if (_config.ProbeTarget is { } target)
        {
            var v4 = target.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
            if ((v4 && c.Ipv4 is not null) || (!v4 && c.Ipv6 is not null))
                return target;
        }
        return c.TunnelGateway4 ?? c.TunnelGateway6;
    }

    private string Role(Connection c) => c.Test ? "test" : c.Sid == _subscriber.Current?.Sid ? "active" : "standby";

    private GatewayTrack Track(string key)
    {
        lock (_tracks)
        {
            if (!_tracks.TryGetValue(key, out var track))
                _tracks[key] = track = new GatewayTrack(key, _options) { LastListed = _time.GetUtcNow() };
            return track;
        }
    }

    /// <summary>A gateway's identity: its node id, or for a daemon that sent none the address it answers on.</summary>
    public static string Key(Connection c) => c.GatewayId.Length > 0 ? c.GatewayId : c.GatewayAddress.ToString();

    private static string KeyOf(GatewayList.Entry e) => e.Id ?? e.PrimaryAddress;

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    private async Task DecideLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(DecisionPeriod, stop);
                await StepAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogError(e, "Autopilot step failed");
            }
        }
    }

    private Task LoopAsync(TimeSpan period, Func<CancellationToken, Task> action, CancellationToken stop) =>
        Daemon.PeriodicLoop.RunAsync(period, action, _log, "Autopilot round", stop, _time);

    public ValueTask DisposeAsync()
    {
        _subscriber.Lost -= OnLost;
        _subscriber.RenewFailed -= OnRenewFailed;
        _subscriber.Renewed -= OnRenewed;
        _wake.Dispose();
        return ValueTask.CompletedTask;
    }
}
