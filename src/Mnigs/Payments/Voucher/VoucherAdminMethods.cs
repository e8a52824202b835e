using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Protocol;
using Mnigs.Gateway;
using Mnigs.Rpc;
using Mnigs.Subscriber;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// The admin methods for vouchers (authorized callers only, like every admin method): on a gateway
/// <c>createVouchers</c>, <c>listVouchers</c>, <c>revokeVoucher</c> and <c>exportVouchers</c>; on a subscriber
/// <c>pay</c>, which redeems a code at the gateway of the connection that waits for payment.
/// </summary>
public sealed class VoucherAdminMethods(VoucherPayment vouchers, GatewayService gateway, SubscriberService subscriber, RpcClient rpc,
    string gatewayName, Func<IPAddress?> meshAddress, TimeProvider time)
{
    public IEnumerable<RpcMethod> Methods =>
    [
        new("createVouchers", ["time", "data", "count"], Admin: true, async (call, ct) => await CreateAsync(call, ct)),
        new("listVouchers", [], Admin: true, async (_, ct) => await ListAsync(ct)),
        new("revokeVoucher", ["code"], Admin: true, async (call, ct) => await RevokeAsync(call, ct)),
        new("exportVouchers", ["format", "all"], Admin: true, async (call, ct) => await ExportAsync(call, ct)),
        new("pay", ["code"], Admin: true, async (call, ct) => await PayAsync(call, ct)),
    ];

    /// <summary>The payment page as subscribers reach this gateway over the mesh, or null before it has a mesh address.</summary>
    public string? PageUrl => meshAddress() is { } address ? vouchers.PageUrl(address) : null;

    private async Task<JsonObject> CreateAsync(RpcCall call, CancellationToken ct)
    {
        var count = call.Params.Int("count", 1, VoucherPayment.MaxCreate) ?? 1;
        TimeSpan? allowed = null;
        long? data = null;
        if (call.Params.String("time", 32) is { Length: > 0 } timeText)
        {
            allowed = VoucherAmounts.ParseTime(timeText, out var problem);
            if (allowed is null)
                return RpcResult.Fail(problem!);
        }
        if (call.Params.String("data", 32) is { Length: > 0 } dataText)
        {
            data = VoucherAmounts.ParseBytes(dataText, out var problem);
            if (data is null)
                return RpcResult.Fail(problem!);
        }
        if (allowed is null && data is null)
            return RpcResult.Fail("A voucher needs a time (such as 1h), an amount of data (such as 1GB), or both");
        var created = await vouchers.CreateAsync(count, allowed, data, ct);
        return RpcResult.Ok(new JsonObject
        {
            ["vouchers"] = new JsonArray([.. created.Select(v => (JsonNode)Describe(v))]),
            ["paymentEnabled"] = gateway.Suites().Any(s => s.Payment == vouchers.Name),
        });
    }

    private async Task<JsonObject> ListAsync(CancellationToken ct)
    {
        var list = await vouchers.ListAsync(ct);
        return RpcResult.Ok(new JsonObject
        {
            ["vouchers"] = new JsonArray([.. list.Select(v => (JsonNode)Describe(v))]),
            ["page"] = PageUrl,
        });
    }

    private async Task<JsonObject> RevokeAsync(RpcCall call, CancellationToken ct)
    {
        var code = call.Params.String("code", 64, required: true)!;
        if (await vouchers.RevokeAsync(code, ct) is not { } revoked)
            return RpcResult.Fail($"There is no voucher {code}");
        await gateway.RefreshPaymentsAsync(ct);
        return RpcResult.Ok(new JsonObject { ["voucher"] = Describe(revoked) });
    }

    /// <summary>The vouchers not yet redeemed (all of them with all=true), as csv or as the printable html sheet.</summary>
    private async Task<JsonObject> ExportAsync(RpcCall call, CancellationToken ct)
    {
        var format = call.Params.String("format", 8) ?? "html";
        if (format is not ("html" or "csv"))
            return RpcResult.Fail($"'{format}' is not an export format; use html or csv");
        var now = time.GetUtcNow();
        var sessions = gateway.Sessions;
        var list = (await vouchers.ListAsync(ct))
            .Where(v => (call.Params.Bool("all") ?? false) || v.Status(now, VoucherPayment.HeldBy(v, sessions)) == "unused")
            .ToList();
        var text = format == "csv"
            ? VoucherSheet.Csv(list, now, v => VoucherPayment.HeldBy(v, sessions))
            : VoucherSheet.Html(list, gatewayName, PageUrl);
        // The sheet and the CSV are the same selection; SheetAsync serves the sheet to the web UI's print link.
        return RpcResult.Ok(new JsonObject { ["format"] = format, ["count"] = list.Count, ["text"] = text });
    }

    /// <summary>The printable sheet of the vouchers not yet redeemed (every voucher with <paramref name="all"/>).</summary>
    public async Task<string> SheetAsync(bool all, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sessions = gateway.Sessions;
        var list = (await vouchers.ListAsync(ct)).Where(v => all || v.Status(now, VoucherPayment.HeldBy(v, sessions)) == "unused");
        return VoucherSheet.Html(list, gatewayName, PageUrl);
    }

    /// <summary>Redeems a code at the gateway of the connection that waits for payment (else the active one).</summary>
    private async Task<JsonObject> PayAsync(RpcCall call, CancellationToken ct)
    {
        var code = call.Params.String("code", 64, required: true)!;
        var connections = subscriber.Connections.Where(c => !c.Test).ToList();
        var connection = connections.FirstOrDefault(c => c.Payment.Required) ?? subscriber.Current;
        if (connection is null)
            return RpcResult.Fail("Not connected to a gateway: connect first (mnigs-cli -c ADDRESS)");
        if (connection.Suite.Payment == "free")
            return RpcResult.Fail($"The connection to {connection.GatewayName} ({connection.GatewayAddress}) is free; there is nothing to pay");
        JsonObject reply;
        try
        {
            reply = await rpc.CallAsync(RpcClient.EndpointOf(connection.GatewayAddress, connection.GatewayPort), "redeemVoucher",
                new JsonObject { ["sid"] = connection.Sid, ["code"] = code }, ct);
        }
        catch (RpcClientException e)
        {
            return RpcResult.Fail($"Cannot reach {connection.GatewayAddress}: {e.Message}", temporary: true);
        }
        if (!RpcResult.IsSuccess(reply))
            return RpcResult.Fail($"{connection.GatewayName} ({connection.GatewayAddress}) refused the code: {RpcResult.ErrorOf(reply)}");
        var payment = PaymentStatus.Parse(reply["payment"], connection.Suite.Payment);
        subscriber.UpdatePayment(connection.Sid, payment);
        return RpcResult.Ok(new JsonObject
        {
            ["gateway"] = connection.GatewayAddress.ToString(),
            ["gatewayName"] = connection.GatewayName,
            ["payment"] = payment.Describe(),
        });
    }

    private JsonObject Describe(VoucherRecord v)
    {
        var now = time.GetUtcNow();
        var sessions = gateway.Sessions;
        var held = VoucherPayment.HeldBy(v, sessions);
        return new JsonObject
        {
            ["id"] = v.Id,
            ["code"] = VoucherCode.Format(v.Code),
            ["status"] = v.Status(now, held),
            ["allows"] = VoucherSheet.Allows(v),
            ["timeSeconds"] = v.Time is { } t ? (long)t.TotalSeconds : null,
            ["dataBytes"] = v.DataBytes,
            ["usedBytes"] = v.UsedBytes,
            ["bytesLeft"] = v.BytesLeft,
            ["secondsLeft"] = v.TimeLeft(now) is { } left ? (long)Math.Ceiling(left.TotalSeconds) : null,
            ["createdAt"] = v.CreatedAt.ToUnixTimeSeconds(),
            ["redeemedAt"] = v.RedeemedAt?.ToUnixTimeSeconds(),
            ["endsAt"] = v.EndsAt?.ToUnixTimeSeconds(),
            ["revokedAt"] = v.RevokedAt?.ToUnixTimeSeconds(),
            ["session"] = held ? v.HolderSid : null,
            ["holder"] = v.HolderAddress?.ToString(),
        };
    }
}
