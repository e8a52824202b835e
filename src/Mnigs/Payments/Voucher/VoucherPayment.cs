using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Platform;
using Mnigs.Store;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// Payment <c>voucher</c>: a session opens <em>pending</em> (it reaches only the gateway's payment page) and is
/// <em>paid</em> while it holds a voucher with time and data left. The kernel enforces it (<see cref="Gate"/>:
/// a pending source is dropped, a paid one counts against an nft quota and leaves the paid set when its time
/// ends); <see cref="AccountAsync"/> reads the quotas every few seconds, keeps what they counted in the store and
/// says when a session has to go back to pending.
/// </summary>
/// <remarks>
/// What is kept where: the store has every voucher with its used bytes and holder (the truth across restarts);
/// this class keeps the vouchers held by sessions in memory, because the gateway computes its host state
/// synchronously. A kill -9 loses what the kernel counted since the last reading (at most
/// <see cref="AccountingPeriod"/>): the loss favours the subscriber, who gets those bytes again.
/// </remarks>
public sealed class VoucherPayment(MnigsStore store, IHostPlatform platform, int pagePort, TimeProvider time, ILogger<VoucherPayment> log)
    : IPaymentMethod
{
    public const string MethodName = "voucher";
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string PagePath = "/pay";
    public const int MaxCreate = 1000;

    /// <summary>How often the daemon calls <see cref="AccountAsync"/>.</summary>
    public static readonly TimeSpan AccountingPeriod = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, VoucherRecord> _held = new(StringComparer.Ordinal);

    public string Name => MethodName;

    public int PagePort => pagePort;

    /// <summary>Wrong codes per address are limited here (the page and the RPC share it).</summary>
    public RedeemThrottle Throttle { get; } = new(time);

    public PaymentState Open() => new(Name, Pending, MayPass: false);

    /// <summary>The voucher session <paramref name="sid"/> holds, with what it has left as last counted; null when none.</summary>
    public VoucherRecord? Held(string sid)
    {
        lock (_lock)
            return _held.GetValueOrDefault(sid);
    }

    public string StateOf(GatewaySession session) =>
        Held(session.Sid) is { } voucher && voucher.EndedBecause(time.GetUtcNow()) is null ? Paid : Pending;

    /// <summary>Why <paramref name="session"/> waits for payment, in words for the subscriber; null when it has paid.</summary>
    public string? PendingReason(GatewaySession session)
    {
        if (Held(session.Sid) is not { } voucher)
            return "no voucher has been redeemed for this session yet";
        return voucher.EndedBecause(time.GetUtcNow());
    }

    /// <summary>The page's address as the subscriber reaches the gateway at <paramref name="local"/>.</summary>
    public string PageUrl(IPAddress local)
    {
        if (local.IsIPv4MappedToIPv6)
            local = local.MapToIPv4();
        var host = local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{local}]" : local.ToString();
        return $"http://{host}:{pagePort}{PagePath}";
    }

    public JsonObject Describe(GatewaySession session, IPAddress local)
    {
        var now = time.GetUtcNow();
        var state = StateOf(session);
        var described = new JsonObject { ["method"] = Name, ["state"] = state, ["page"] = PageUrl(local) };
        if (state == Pending)
            described["reason"] = PendingReason(session);
        if (Held(session.Sid) is { } voucher)
        {
            if (voucher.TimeLeft(now) is { } left)
                described["secondsLeft"] = (long)Math.Ceiling(left.TotalSeconds);
            if (voucher.BytesLeft is { } bytes)
                described["bytesLeft"] = bytes;
        }
        return described;
    }

    public PaymentFirewall Gate(IReadOnlyList<GatewaySession> sessions)
    {
        if (sessions.Count == 0)
            return PaymentFirewall.None;
        var now = time.GetUtcNow();
        var pending = ImmutableArray.CreateBuilder<IPAddress>();
        var paid = ImmutableArray.CreateBuilder<PaidSource>();
        foreach (var session in sessions)
        {
            var addresses = Sources(session);
            if (addresses.IsEmpty)
                continue;
            if (Held(session.Sid) is { } voucher && voucher.EndedBecause(now) is null)
                paid.Add(new PaidSource(voucher.QuotaName, addresses, voucher.DataBytes, voucher.UsedBytes, voucher.TimeLeft(now)));
            else
                pending.AddRange(addresses);
        }
        return new PaymentFirewall { Pending = pending.ToImmutable(), Paid = paid.ToImmutable(), PagePort = pagePort };
    }

    /// <summary>Takes back, after a restart, which session holds which voucher and what each had used.</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        var held = await store.HeldVouchersAsync(ct);
        lock (_lock)
        {
            _held.Clear();
            foreach (var voucher in held)
                _held[voucher.HolderSid!] = voucher;
        }
    }

    public async Task<IReadOnlyList<VoucherRecord>> CreateAsync(int count, TimeSpan? allowed, long? dataBytes, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCreate);
        var created = await store.CreateVouchersAsync(count, allowed, dataBytes, VoucherCode.New, time.GetUtcNow(), ct);
        log.LogInformation("Created {Count} vouchers ({Time}, {Data})", created.Count,
            allowed is { } t ? VoucherAmounts.Duration(t) : "no time limit", dataBytes is { } d ? VoucherAmounts.Bytes(d) : "no data limit");
        return created;
    }

    /// <summary>Every voucher, with the in-memory count where it is fresher than the store's.</summary>
    public async Task<IReadOnlyList<VoucherRecord>> ListAsync(CancellationToken ct)
    {
        var stored = await store.ListVouchersAsync(ct);
        lock (_lock)
        {
            var fresh = _held.Values.ToDictionary(v => v.Id);
            return [.. stored.Select(v => fresh.TryGetValue(v.Id, out var f) && f.UsedBytes > v.UsedBytes ? v with { UsedBytes = f.UsedBytes } : v)];
        }
    }

    /// <summary>Whether <paramref name="voucher"/> is held by one of <paramref name="sessions"/>.</summary>
    public static bool HeldBy(VoucherRecord voucher, IEnumerable<GatewaySession> sessions) =>
        voucher.HolderSid is { } sid && sessions.Any(s => s.Sid == sid);

    /// <summary>Revokes the voucher with this code (as typed); null when there is none. The caller refreshes the gateway.</summary>
    public async Task<VoucherRecord?> RevokeAsync(string typed, CancellationToken ct)
    {
        if (VoucherCode.Normalize(typed) is not { } code || await store.RevokeVoucherAsync(code, time.GetUtcNow(), ct) is not { } revoked)
            return null;
        lock (_lock)
        {
            foreach (var (sid, voucher) in _held.ToList())
                if (voucher.Id == revoked.Id)
                    _held[sid] = voucher with { RevokedAt = revoked.RevokedAt };
        }
        log.LogInformation("Voucher {Id} revoked", revoked.Id);
        return revoked;
    }

    /// <summary>
    /// Gives the voucher typed as <paramref name="typed"/> to <paramref name="session"/>, for a caller at
    /// <paramref name="caller"/> (whose wrong codes are counted). The error is a sentence for the subscriber.
    /// The caller refreshes the gateway so the kernel lets the session through.
    /// </summary>
    public async Task<(VoucherRecord? Voucher, string? Error)> RedeemAsync(GatewaySession session, string? typed, IPAddress caller, CancellationToken ct)
    {
        var wait = Throttle.WaitFor(caller);
        if (wait > TimeSpan.Zero)
            return (null, $"Too many wrong codes from {caller}; try again in {Math.Ceiling(wait.TotalSeconds):0} s");
        if (VoucherCode.Normalize(typed) is not { } code)
        {
            Throttle.Failed(caller);
            return (null, VoucherErrors.NotACode);
        }
        var mesh = session.MeshAddress.IsIPv4MappedToIPv6 ? session.MeshAddress.MapToIPv4() : session.MeshAddress;
        var (voucher, error) = await store.RedeemVoucherAsync(code, session.Sid, mesh, time.GetUtcNow(), ct);
        if (voucher is null)
        {
            if (error == VoucherErrors.UnknownCode)
                Throttle.Failed(caller);
            return (null, error);
        }
        lock (_lock)
        {
            // The voucher moved here from a session that ended, if it was held before.
            foreach (var (sid, held) in _held.ToList())
                if (held.Id == voucher.Id || sid == session.Sid)
                    _held.Remove(sid);
            _held[session.Sid] = voucher;
        }
        log.LogInformation("Voucher {Id} redeemed by session {Sid} of {Mesh}", voucher.Id, session.Sid[..Math.Min(8, session.Sid.Length)], session.MeshAddress);
        return (voucher, null);
    }

    public async Task<string?> ResumeAsync(GatewaySession session, CancellationToken ct)
    {
        var address = session.MeshAddress.IsIPv4MappedToIPv6 ? session.MeshAddress.MapToIPv4() : session.MeshAddress;
        if (await store.ResumeVoucherAsync(session.Sid, address, time.GetUtcNow(), ct) is not { } voucher)
            return null;
        lock (_lock)
        {
            foreach (var (sid, held) in _held.ToList())
                if (held.Id == voucher.Id)
                    _held.Remove(sid);
            _held[session.Sid] = voucher;
        }
        log.LogInformation("Voucher {Id} resumed by session {Sid} of {Mesh}", voucher.Id, session.Sid[..Math.Min(8, session.Sid.Length)], address);
        return StateOf(session);
    }

    /// <summary>
    /// Reads what the kernel counted for the paid sessions among <paramref name="sessions"/>, keeps it in the store,
    /// and says whether a session's payment state is no longer what it was (a quota or a voucher's time ran out),
    /// so the gateway must apply its state again.
    /// </summary>
    public async Task<bool> AccountAsync(IReadOnlyList<GatewaySession> sessions, CancellationToken ct)
    {
        var mine = sessions.Where(s => s.Suite.Payment == Name).ToList();
        var now = time.GetUtcNow();
        List<VoucherRecord> metered;
        lock (_lock)
        {
            var live = mine.Select(s => s.Sid).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _held.Keys.Where(sid => !live.Contains(sid)).ToList())
                _held.Remove(gone);
            metered = [.. _held.Values.Where(v => v.DataBytes is not null && v.EndedBecause(now) is null)];
        }
        if (metered.Count > 0)
        {
            var counted = await platform.ReadQuotasAsync(ct);
            var changed = new List<(long Id, long UsedBytes)>();
            lock (_lock)
            {
                foreach (var (sid, voucher) in _held.ToList())
                {
                    if (counted.TryGetValue(voucher.QuotaName, out var used) && used > voucher.UsedBytes)
                    {
                        _held[sid] = voucher with { UsedBytes = used };
                        changed.Add((voucher.Id, used));
                    }
                }
            }
            await store.SaveVoucherUsageAsync(changed, ct);
        }
        return mine.Any(s => StateOf(s) != s.PaymentState);
    }

    /// <summary>The addresses the gate acts on: the session's tunnel addresses, or its mesh address for a tunnel that hands out none.</summary>
    private static ImmutableArray<IPAddress> Sources(GatewaySession session)
    {
        var builder = ImmutableArray.CreateBuilder<IPAddress>();
        if (session.Ipv4 is { } v4)
            builder.Add(v4);
        if (session.Ipv6 is { } v6)
            builder.Add(v6);
        if (builder.Count == 0)
            builder.Add(session.MeshAddress.IsIPv4MappedToIPv6 ? session.MeshAddress.MapToIPv4() : session.MeshAddress);
        return builder.ToImmutable();
    }
}
