using System.Net;
using Microsoft.Data.Sqlite;
using Mnigs.Payments.Voucher;
using static Mnigs.Store.StoreValues;

namespace Mnigs.Store;

// Gateway side: vouchers, what each has left and which session holds it. A voucher is held by at most one live
// session: redeeming is one UPDATE whose WHERE says so, so of two subscribers redeeming at once exactly one wins,
// whichever process or connection they come through.
public sealed partial class MnigsStore
{
    private const string VoucherColumns =
        "id, code, created_at, time_ms, data_bytes, used_bytes, redeemed_at, ends_at, holder_sid, holder_address, revoked_at";

    /// <summary>
    /// Creates <paramref name="count"/> vouchers allowing <paramref name="time"/> and/or <paramref name="dataBytes"/>,
    /// with codes from <paramref name="newCode"/> (a code already taken is drawn again), in one transaction.
    /// </summary>
    public Task<IReadOnlyList<VoucherRecord>> CreateVouchersAsync(int count, TimeSpan? time, long? dataBytes, Func<string> newCode,
        DateTimeOffset now, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (time is null && dataBytes is null)
            throw new ArgumentException("A voucher allows some time, some data, or both");
        return RunAsync<IReadOnlyList<VoucherRecord>>(db =>
        {
            using var tx = db.BeginTransaction(deferred: false);
            var created = new List<VoucherRecord>(count);
            for (var i = 0; i < count; i++)
            {
                for (var attempt = 0; ; attempt++)
                {
                    using var command = Command(db, $"""
                        INSERT INTO vouchers (code, created_at, time_ms, data_bytes) VALUES ($code, $now, $time, $data)
                        ON CONFLICT (code) DO NOTHING
                        RETURNING {VoucherColumns}
                        """, tx)
                        .With("$code", newCode())
                        .With("$now", Millis(now))
                        .With("$time", time is { } t ? (long)t.TotalMilliseconds : null)
                        .With("$data", dataBytes);
                    using var r = command.ExecuteReader();
                    if (r.Read())
                    {
                        created.Add(ReadVoucher(r));
                        break;
                    }
                    if (attempt >= 8)
                        throw new InvalidOperationException("Voucher codes keep colliding: the code generator is broken");
                }
            }
            tx.Commit();
            return created;
        }, ct);
    }

    /// <summary>Every voucher, oldest first.</summary>
    public Task<IReadOnlyList<VoucherRecord>> ListVouchersAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<VoucherRecord>>(db => ReadVouchers(Command(db, $"SELECT {VoucherColumns} FROM vouchers ORDER BY id")), ct);

    /// <summary>Vouchers some session holds or held (the caller knows which sessions are alive).</summary>
    public Task<IReadOnlyList<VoucherRecord>> HeldVouchersAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<VoucherRecord>>(db =>
            ReadVouchers(Command(db, $"SELECT {VoucherColumns} FROM vouchers WHERE holder_sid IS NOT NULL ORDER BY id")), ct);

    /// <summary>The voucher with this canonical code, or null.</summary>
    public Task<VoucherRecord?> FindVoucherAsync(string code, CancellationToken ct = default) =>
        RunAsync(db => ReadVouchers(Command(db, $"SELECT {VoucherColumns} FROM vouchers WHERE code = $code").With("$code", code)).FirstOrDefault(), ct);

    /// <summary>Revokes the voucher with this canonical code (it stops carrying traffic at once); null when there is none.</summary>
    public Task<VoucherRecord?> RevokeVoucherAsync(string code, DateTimeOffset now, CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, $"""
                UPDATE vouchers SET revoked_at = COALESCE(revoked_at, $now) WHERE code = $code
                RETURNING {VoucherColumns}
                """).With("$code", code).With("$now", Millis(now));
            using var r = command.ExecuteReader();
            return r.Read() ? ReadVoucher(r) : null;
        }, ct);

    /// <summary>
    /// Gives the voucher with canonical <paramref name="code"/> to session <paramref name="sid"/> (which must be in
    /// the sessions table): only when it is not revoked, has time and data left, and no other live session holds
    /// it. Its time starts at the first redemption. Whatever other voucher the session held is let go (it keeps
    /// what it has left). The error is a plain sentence for the subscriber.
    /// </summary>
    public Task<(VoucherRecord? Voucher, string? Error)> RedeemVoucherAsync(string code, string sid, IPAddress address, DateTimeOffset now,
        CancellationToken ct = default) =>
        RunAsync<(VoucherRecord?, string?)>(db =>
        {
            using var tx = db.BeginTransaction(deferred: false);
            using var take = Command(db, $"""
                UPDATE vouchers SET
                    holder_sid = $sid,
                    holder_address = $address,
                    redeemed_at = COALESCE(redeemed_at, $now),
                    ends_at = COALESCE(ends_at, CASE WHEN time_ms IS NULL THEN NULL ELSE $now + time_ms END)
                WHERE code = $code
                  AND revoked_at IS NULL
                  AND (data_bytes IS NULL OR used_bytes < data_bytes)
                  AND (ends_at IS NULL OR ends_at > $now)
                  AND (holder_sid IS NULL OR holder_sid = $sid OR holder_sid NOT IN (SELECT sid FROM sessions))
                  AND EXISTS (SELECT 1 FROM sessions WHERE sid = $sid)
                RETURNING {VoucherColumns}
                """, tx)
                .With("$code", code)
                .With("$sid", sid)
                .With("$address", Text(address))
                .With("$now", Millis(now));
            VoucherRecord? taken = null;
            using (var r = take.ExecuteReader())
            {
                if (r.Read())
                    taken = ReadVoucher(r);
            }
            if (taken is null)
            {
                tx.Rollback();
                return (null, WhyNotRedeemable(db, code, sid, now));
            }
            using var letGo = Command(db, "UPDATE vouchers SET holder_sid = NULL WHERE holder_sid = $sid AND id != $id", tx)
                .With("$sid", sid).With("$id", taken.Id);
            letGo.ExecuteNonQuery();
            tx.Commit();
            return (taken, null);
        }, ct);

    /// <summary>
    /// Gives session <paramref name="sid"/> the voucher that a session from the same mesh address held last, when that
    /// session has ended and the voucher has time and data left (a subscriber that reconnects keeps what it paid for
    /// without typing the code again); null when there is none. One UPDATE, like a redemption.
    /// </summary>
    public Task<VoucherRecord?> ResumeVoucherAsync(string sid, IPAddress address, DateTimeOffset now, CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, $"""
                UPDATE vouchers SET holder_sid = $sid
                WHERE id = (
                    SELECT id FROM vouchers
                    WHERE holder_address = $address
                      AND revoked_at IS NULL
                      AND (data_bytes IS NULL OR used_bytes < data_bytes)
                      AND (ends_at IS NULL OR ends_at > $now)
                      AND (holder_sid IS NULL OR holder_sid NOT IN (SELECT sid FROM sessions))
                    ORDER BY redeemed_at DESC, id DESC LIMIT 1)
                  AND EXISTS (SELECT 1 FROM sessions WHERE sid = $sid)
                RETURNING {VoucherColumns}
                """).With("$sid", sid).With("$address", Text(address)).With("$now", Millis(now));
            using var r = command.ExecuteReader();
            return r.Read() ? ReadVoucher(r) : null;
        }, ct);

    /// <summary>Records what each voucher has used (by id); a count never goes down, whatever order readings arrive in.</summary>
    public Task SaveVoucherUsageAsync(IReadOnlyCollection<(long Id, long UsedBytes)> usage, CancellationToken ct = default)
    {
        if (usage.Count == 0)
            return Task.CompletedTask;
        return RunAsync(db =>
        {
            using var tx = db.BeginTransaction(deferred: false);
            foreach (var (id, used) in usage)
            {
                using var command = Command(db, "UPDATE vouchers SET used_bytes = MAX(used_bytes, $used) WHERE id = $id", tx)
                    .With("$id", id).With("$used", Math.Max(0, used));
                command.ExecuteNonQuery();
            }
            tx.Commit();
        }, ct);
    }

    private static string WhyNotRedeemable(SqliteConnection db, string code, string sid, DateTimeOffset now)
    {
        var found = ReadVouchers(Command(db, $"SELECT {VoucherColumns} FROM vouchers WHERE code = $code").With("$code", code)).FirstOrDefault();
        if (found is null)
            return VoucherErrors.UnknownCode;
        if (found.EndedBecause(now) is { } ended)
            return "This voucher cannot be used: " + ended;
        using var session = Command(db, "SELECT COUNT(*) FROM sessions WHERE sid = $sid").With("$sid", sid);
        if (Convert.ToInt64(session.ExecuteScalar()) == 0)
            return "No such session";
        return VoucherErrors.InUse;
    }

    private static List<VoucherRecord> ReadVouchers(SqliteCommand command)
    {
        using (command)
        {
            using var r = command.ExecuteReader();
            var list = new List<VoucherRecord>();
            while (r.Read())
                list.Add(ReadVoucher(r));
            return list;
        }
    }

    private static VoucherRecord ReadVoucher(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Code = r.GetString(1),
        CreatedAt = r.GetTime(2),
        Time = r.IsDBNull(3) ? null : TimeSpan.FromMilliseconds(r.GetInt64(3)),
        DataBytes = r.IsDBNull(4) ? null : r.GetInt64(4),
        UsedBytes = r.GetInt64(5),
        RedeemedAt = r.GetTimeOrNull(6),
        EndsAt = r.GetTimeOrNull(7),
        HolderSid = r.GetStringOrNull(8),
        HolderAddress = r.GetAddressOrNull(9),
        RevokedAt = r.GetTimeOrNull(10),
    };
}
