using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Protocol;
using Mnigs.Gateway;
using Mnigs.Rpc;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// Where a subscriber redeems a voucher on the gateway: the public methods <c>redeemVoucher(sid, code)</c> and
/// <c>paymentStatus(sid)</c> (for the subscriber's daemon: <c>mnigs-cli pay</c>, its web UI), and the payment page
/// (<see cref="Web.PaymentPageEndpoint"/>). A caller acts only on its own session: the one it opened (sid and
/// mesh address, as for renewConnection), or for the page the one its address belongs to.
/// </summary>
public sealed class VoucherRedemption(GatewayService gateway, VoucherPayment vouchers)
{
    public IEnumerable<RpcMethod> PublicMethods =>
    [
        new("redeemVoucher", ["sid", "code"], Admin: false, async (call, ct) =>
        {
            var sid = call.Params.String("sid", 128, required: true)!;
            var code = call.Params.String("code", 64, required: true)!;
            var (session, _, error) = await RedeemAsync(OwnedBy(sid, call.Caller), code, call.Caller, ct);
            return error is null
                ? RpcResult.Ok(new JsonObject { ["payment"] = vouchers.Describe(session!, call.Local) })
                : RpcResult.Fail(error);
        }),
        new("paymentStatus", ["sid"], Admin: false, (call, _) =>
        {
            var sid = call.Params.String("sid", 128, required: true)!;
            return ValueTask.FromResult(OwnedBy(sid, call.Caller) is { } session
                ? RpcResult.Ok(new JsonObject { ["payment"] = PaymentOf(session, call.Local) })
                : RpcResult.Fail(SessionBook.NoSuchSession));
        }),
    ];

    /// <summary>The session <paramref name="sid"/> when <paramref name="caller"/> opened it.</summary>
    public GatewaySession? OwnedBy(string sid, IPAddress caller)
    {
        caller = Normalize(caller);
        return gateway.Sessions.FirstOrDefault(s => s.Sid == sid && Normalize(s.MeshAddress).Equals(caller));
    }

    /// <summary>
    /// The session a browser at <paramref name="caller"/> belongs to: the one whose tunnel address it is (the page
    /// reached through the tunnel), else the newest one opened from that mesh address, a paid suite's first.
    /// </summary>
    public GatewaySession? SessionAt(IPAddress caller)
    {
        caller = Normalize(caller);
        var sessions = gateway.Sessions;
        return sessions.FirstOrDefault(s => caller.Equals(s.Ipv4) || caller.Equals(s.Ipv6))
            ?? sessions.Where(s => Normalize(s.MeshAddress).Equals(caller))
                .OrderBy(s => s.Suite.Payment == vouchers.Name ? 0 : 1)
                .ThenByDescending(s => s.CreatedAt)
                .FirstOrDefault();
    }

    /// <summary>The payment object of a session: its method's description (any method), for the page and paymentStatus.</summary>
    public JsonObject PaymentOf(GatewaySession session, IPAddress local) =>
        session.Suite.Payment == vouchers.Name
            ? vouchers.Describe(session, local)
            : new JsonObject { ["method"] = session.Suite.Payment, ["state"] = session.PaymentState };

    /// <summary>Redeems <paramref name="code"/> for <paramref name="session"/> and lets it through the kernel at once; the error is for the subscriber.</summary>
    public async Task<(GatewaySession? Session, VoucherRecord? Voucher, string? Error)> RedeemAsync(GatewaySession? session, string? code,
        IPAddress caller, CancellationToken ct)
    {
        if (session is null)
            return (null, null, VoucherErrors.NoSession);
        if (session.Suite.Payment != vouchers.Name)
            return (session, null, VoucherErrors.NotVoucherSession);
        var (voucher, error) = await vouchers.RedeemAsync(session, code, caller, ct);
        if (voucher is null)
            return (session, null, error);
        await gateway.RefreshPaymentsAsync(ct);
        return (gateway.Sessions.FirstOrDefault(s => s.Sid == session.Sid) ?? session, voucher, null);
    }

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}
