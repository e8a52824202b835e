using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Suites;

namespace Mnigs.Core.Gateway;

/// <summary>
/// The gateway's sessions and address pools, as pure bookkeeping: open, renew, release, expire.
/// Callers persist the result and apply the host state; nothing here touches the clock but
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed class SessionBook
{
    public const string NoSuchSession = "No such session";
    public const string TooManySessions = "Too many sessions";
    public const string PoolExhausted = "Address pool exhausted";

    // Changed under the gateway's lock, but read by status, metrics and the speed test from any thread:
    // a concurrent dictionary enumerates safely while it changes.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, TunnelPools> _pools;
    private readonly TimeProvider _time;
    private readonly Func<string> _newSid;

    /// <param name="maxPerAddress">Sessions one mesh address may hold at once (a subscriber needs one, two with a standby),
    /// so a single peer cannot take every slot of the gateway.</param>
    public SessionBook(IReadOnlyDictionary<string, TunnelPools> pools, int maxConnections, TimeSpan lease, TimeProvider time, Func<string> newSid,
        int maxPerAddress = DefaultMaxPerAddress)
    {
        _pools = pools;
        MaxConnections = maxConnections;
        MaxPerAddress = maxPerAddress;
        Lease = lease;
        _time = time;
        _newSid = newSid;
    }

    public const int DefaultMaxPerAddress = 4;
    public const string TooManyFromAddress = "Too many sessions from this address";

    public int MaxConnections { get; }

    public int MaxPerAddress { get; }

    public TimeSpan Lease { get; }

    public int Count => _sessions.Count;

    public IReadOnlyList<GatewaySession> Sessions => [.. _sessions.Values.OrderBy(s => s.CreatedAt)];

    public TunnelPools? PoolsFor(string tunnel) => _pools.GetValueOrDefault(tunnel);

    public SessionResult Open(IPAddress meshAddress, Suite suite, string subscriberId, string name, int port, JsonObject tunnelState, string paymentState)
    {
        if (_sessions.Count >= MaxConnections)
            return SessionResult.Fail(TooManySessions, temporary: true);
        var caller = Normalize(meshAddress);
        if (_sessions.Values.Count(s => Normalize(s.MeshAddress).Equals(caller)) >= MaxPerAddress)
            return SessionResult.Fail(TooManyFromAddress, temporary: true);
        if (!_pools.TryGetValue(suite.Tunnel, out var pools))
            return SessionResult.Fail("Suite not supported");

        IPAddress? v4 = null, v6 = null;
        if (pools.Ipv4 is { } p4 && !p4.TryAllocate(out v4!))
            return SessionResult.Fail(PoolExhausted, temporary: true);
        if (pools.Ipv6 is { } p6 && !p6.TryAllocate(out v6!))
        {
            if (v4 is not null)
                pools.Ipv4!.Release(v4);
            return SessionResult.Fail(PoolExhausted, temporary: true);
        }

        var now = _time.GetUtcNow();
        var session = new GatewaySession
        {
            Sid = _newSid(),
            MeshAddress = meshAddress,
            Suite = suite,
            SubscriberId = subscriberId,
            Name = name,
            Port = port,
            Ipv4 = v4,
            Ipv6 = v6,
            TunnelState = tunnelState,
            PaymentState = paymentState,
            CreatedAt = now,
            ExpiresAt = now + Lease,
        };
        _sessions[session.Sid] = session;
        return SessionResult.Success(session);
    }

    public SessionResult Renew(string sid, IPAddress caller)
    {
        // A lease that has run out is over, even in the moment before the expiry sweep removes it.
        if (!TryOwned(sid, caller, out var session) || session.ExpiresAt <= _time.GetUtcNow())
            return SessionResult.Fail(NoSuchSession);
        var renewed = session with { ExpiresAt = _time.GetUtcNow() + Lease };
        _sessions[sid] = renewed;
        return SessionResult.Success(renewed);
    }

    public SessionResult Release(string sid, IPAddress caller)
    {
        if (!TryOwned(sid, caller, out var session))
            return SessionResult.Fail(NoSuchSession);
        Remove(session);
        return SessionResult.Success(session);
    }

    /// <summary>Administrative release: no owner check.</summary>
    public GatewaySession? Evict(string sid)
    {
        if (!_sessions.TryGetValue(sid, out var session))
            return null;
        Remove(session);
        return session;
    }

    /// <summary>Removes and returns every session whose lease has run out.</summary>
    public IReadOnlyList<GatewaySession> Expire()
    {
        var now = _time.GetUtcNow();
        var expired = _sessions.Values.Where(s => s.ExpiresAt <= now).ToList();
        foreach (var s in expired)
            Remove(s);
        return expired;
    }

    /// <summary>Takes back a session kept across a restart; false when its lease ran out, its addresses clash or its tunnel is gone.</summary>
    public bool Restore(GatewaySession session)
    {
        if (session.ExpiresAt <= _time.GetUtcNow())
            return false;
        if (_sessions.ContainsKey(session.Sid) || !_pools.TryGetValue(session.Suite.Tunnel, out var pools))
            return false;
        if (session.Ipv4 is { } a4 && (pools.Ipv4 is null || !pools.Ipv4.TryReserve(a4)))
            return false;
        if (session.Ipv6 is { } a6 && (pools.Ipv6 is null || !pools.Ipv6.TryReserve(a6)))
        {
            if (session.Ipv4 is { } r4)
                pools.Ipv4!.Release(r4);
            return false;
        }
        _sessions[session.Sid] = session;
        return true;
    }

    public GatewaySession? Find(string sid) => _sessions.GetValueOrDefault(sid);

    /// <summary>Records a session's new payment state (a voucher redeemed or used up); null when there is no such session.</summary>
    public GatewaySession? SetPaymentState(string sid, string paymentState)
    {
        if (!_sessions.TryGetValue(sid, out var session))
            return null;
        var updated = session with { PaymentState = paymentState };
        _sessions[sid] = updated;
        return updated;
    }

    private bool TryOwned(string sid, IPAddress caller, out GatewaySession session)
    {
        session = null!;
        if (string.IsNullOrEmpty(sid) || !_sessions.TryGetValue(sid, out var found))
            return false;
        if (!Normalize(found.MeshAddress).Equals(Normalize(caller)))
            return false;
        session = found;
        return true;
    }

    private void Remove(GatewaySession session)
    {
        _sessions.TryRemove(session.Sid, out _);
        if (_pools.TryGetValue(session.Suite.Tunnel, out var pools))
        {
            if (session.Ipv4 is { } a4)
                pools.Ipv4?.Release(a4);
            if (session.Ipv6 is { } a6)
                pools.Ipv6?.Release(a6);
        }
    }

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}

public sealed record TunnelPools(AddressPool? Ipv4, AddressPool? Ipv6)
{
    /// <summary>The pools of a tunnel that hands out no addresses (socks, forward): its sessions go by their mesh address.</summary>
    public static readonly TunnelPools None = new(null, null);
}

public sealed record SessionResult(bool Ok, GatewaySession? Session, string? Error, bool Temporary)
{
    public static SessionResult Success(GatewaySession s) => new(true, s, null, false);
    public static SessionResult Fail(string error, bool temporary = false) => new(false, null, error, temporary);
}
