using System.Collections.Immutable;
using System.Net;

namespace Mnigs.Core.Host;

/// <summary>
/// A gateway's payment gate in the nftables table (rendered by <see cref="NftablesPaymentRules"/>):
/// which subscriber sources wait for payment and which have paid, with what is left. Enforced by the
/// kernel, so a quota that runs out stops traffic at once, whether or not the daemon is looking.
/// </summary>
public sealed record PaymentFirewall
{
    public static readonly PaymentFirewall None = new();

    /// <summary>
    /// Sources of sessions that have not paid (or whose voucher ran out): nothing of theirs is forwarded, and
    /// the gateway itself answers them only on <see cref="PagePort"/> (the payment page) and to echo requests
    /// (so the subscriber can tell the tunnel works and it is payment that is missing).
    /// </summary>
    public ImmutableArray<IPAddress> Pending { get; init; } = [];

    /// <summary>Sources of sessions that have paid, each with its quota.</summary>
    public ImmutableArray<PaidSource> Paid { get; init; } = [];

    /// <summary>TCP port of the payment page on the gateway (the RPC port).</summary>
    public int PagePort { get; init; }

    public bool IsEmpty => Pending.IsEmpty && Paid.IsEmpty;

    public PaymentFirewall Merge(PaymentFirewall other) => new()
    {
        Pending = Pending.AddRange(other.Pending),
        Paid = Paid.AddRange(other.Paid),
        PagePort = PagePort != 0 ? PagePort : other.PagePort,
    };
}

/// <summary>
/// The addresses of one paid session and what its voucher has left. <see cref="Quota"/> names the nft
/// quota object counting both directions of every address against <see cref="LimitBytes"/>; it starts at
/// <see cref="UsedBytes"/> (what was counted before, kept in the store) and, when the table is replaced
/// while it runs, at whatever the kernel has counted if that is more.
/// </summary>
/// <param name="Quota">Name of the quota object: <c>pay_</c> and letters or digits.</param>
/// <param name="LimitBytes">The data the voucher allows, or null for no data limit.</param>
/// <param name="TimeLeft">Time the voucher has left (the addresses leave the paid set in the kernel when it ends), or null for no time limit.</param>
public sealed record PaidSource(string Quota, ImmutableArray<IPAddress> Addresses, long? LimitBytes, long UsedBytes, TimeSpan? TimeLeft);
