using System.Net;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// One voucher as the store keeps it: what it allows (<see cref="Time"/>, <see cref="DataBytes"/>, at least one
/// of them), what it has used, and which session holds it. Its time runs from the first redemption
/// (<see cref="EndsAt"/>), whether or not the holder is connected, like a hotspot ticket; its data is
/// counted by the kernel while a session holds it.
/// </summary>
public sealed record VoucherRecord
{
    public required long Id { get; init; }
    /// <summary>The canonical code (<see cref="VoucherCode"/>): the bearer's proof of payment, shown only to the operator.</summary>
    public required string Code { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public TimeSpan? Time { get; init; }
    public long? DataBytes { get; init; }
    public long UsedBytes { get; init; }
    public DateTimeOffset? RedeemedAt { get; init; }
    /// <summary>When the time runs out: the first redemption plus <see cref="Time"/>.</summary>
    public DateTimeOffset? EndsAt { get; init; }
    /// <summary>The gateway session that holds it; stale once that session has ended (another may then take it over with the code).</summary>
    public string? HolderSid { get; init; }
    /// <summary>The mesh address of the session that last held it.</summary>
    public IPAddress? HolderAddress { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Name of its nft quota object (see Core.Host.PaidSource).</summary>
    public string QuotaName => "pay_v" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public long? BytesLeft => DataBytes is { } limit ? Math.Max(0, limit - UsedBytes) : null;

    /// <summary>Time left at <paramref name="now"/>: all of it before the first redemption, null without a time limit.</summary>
    public TimeSpan? TimeLeft(DateTimeOffset now) =>
        EndsAt is { } ends ? (ends > now ? ends - now : TimeSpan.Zero) : Time;

    /// <summary>Why it can carry no more traffic, in words for the subscriber; null while it can.</summary>
    public string? EndedBecause(DateTimeOffset now)
    {
        if (RevokedAt is not null)
            return "the voucher was revoked by the gateway's operator";
        if (BytesLeft is 0)
            return $"the voucher's data ({VoucherAmounts.Bytes(DataBytes!.Value)}) is used up";
        if (TimeLeft(now) is { } left && left <= TimeSpan.Zero)
            return $"the voucher's time ({VoucherAmounts.Duration(Time!.Value)}) has run out";
        return null;
    }

    /// <summary>unused, in use, redeemed (held by no live session), used up, expired or revoked.</summary>
    public string Status(DateTimeOffset now, bool heldByLiveSession)
    {
        if (RevokedAt is not null)
            return "revoked";
        if (BytesLeft is 0)
            return "used up";
        if (TimeLeft(now) is { } left && left <= TimeSpan.Zero)
            return "expired";
        if (RedeemedAt is null)
            return "unused";
        return heldByLiveSession ? "in use" : "redeemed";
    }
}
