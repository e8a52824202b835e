using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;

namespace Mnigs.Cli;

/// <summary>
/// <c>mnigs-cli voucher create|list|revoke|export</c> (a gateway's vouchers) and <c>mnigs-cli pay CODE</c> (a
/// subscriber redeeming one at its gateway): thin calls of the admin methods createVouchers, listVouchers,
/// revokeVoucher, exportVouchers and pay.
/// </summary>
public static class VoucherCommands
{
    public static Command Voucher(Option<string?> file, Option<bool> json)
    {
        var voucher = new Command("voucher", "Make, list, revoke and export this gateway's vouchers (gateway.payment = voucher)");

        var create = new Command("create", "Make vouchers; their codes are printed (export prints them again)");
        var time = new Option<string?>("--time") { Description = "Time each allows from its first use, such as 30m, 1h or 7d" };
        var data = new Option<string?>("--data") { Description = "Data each allows, such as 500MB or 1GB" };
        var count = new Option<int>("--count") { Description = "How many to make (1 to 1000)", DefaultValueFactory = _ => 1 };
        create.Options.Add(time);
        create.Options.Add(data);
        create.Options.Add(count);
        create.SetAction((r, ct) =>
        {
            var p = new JsonObject { ["count"] = r.GetValue(count) };
            if (r.GetValue(time) is { } t)
                p["time"] = t;
            if (r.GetValue(data) is { } d)
                p["data"] = d;
            return CliMain.Run(r, file, json, (c, ct2) => c.CallAsync("createVouchers", p, ct2), Created, ct);
        });

        var list = new Command("list", "List the vouchers: what each allows, what it has left, which session holds it");
        list.SetAction((r, ct) => CliMain.Run(r, file, json, (c, ct2) => c.CallAsync("listVouchers", null, ct2), List, ct));

        var revoke = new Command("revoke", "Revoke a voucher: the session holding it goes back to the payment page at once");
        var code = new Argument<string>("code") { Description = "The voucher's code" };
        revoke.Arguments.Add(code);
        revoke.SetAction((r, ct) => CliMain.Run(r, file, json,
            (c, ct2) => c.CallAsync("revokeVoucher", new JsonObject { ["code"] = r.GetValue(code) }, ct2),
            x => $"Revoked {S(x["voucher"], "code")}", ct));

        var export = new Command("export", "Print the vouchers not yet used, as a printable HTML sheet with QR codes or as CSV");
        var format = new Option<string>("--format") { Description = "html (a sheet to print) or csv", DefaultValueFactory = _ => "html" };
        format.AcceptOnlyFromAmong("html", "csv");
        var all = new Option<bool>("--all") { Description = "Every voucher, also those used, used up or revoked" };
        export.Options.Add(format);
        export.Options.Add(all);
        export.SetAction((r, ct) => CliMain.Run(r, file, json,
            (c, ct2) => c.CallAsync("exportVouchers", new JsonObject { ["format"] = r.GetValue(format), ["all"] = r.GetValue(all) }, ct2),
            x => (x["text"]?.GetValue<string>() ?? "").TrimEnd('\n'), ct));

        voucher.Subcommands.Add(create);
        voucher.Subcommands.Add(list);
        voucher.Subcommands.Add(revoke);
        voucher.Subcommands.Add(export);
        return voucher;
    }

    public static Command Pay(Option<string?> file, Option<bool> json)
    {
        var pay = new Command("pay", "Redeem a voucher at the gateway this node is connected to");
        var code = new Argument<string>("code") { Description = "The voucher's code, such as 7K2M-9QXD-4F8R" };
        pay.Arguments.Add(code);
        pay.SetAction((r, ct) => CliMain.Run(r, file, json,
            (c, ct2) => c.CallAsync("pay", new JsonObject { ["code"] = r.GetValue(code) }, ct2), Paid, ct));
        return pay;
    }

    public static string Created(JsonObject r)
    {
        var sb = new StringBuilder();
        var vouchers = Arr(r, "vouchers").ToList();
        sb.AppendLine($"Created {vouchers.Count} voucher(s), each {S(vouchers.FirstOrDefault(), "allows")}:");
        foreach (var v in vouchers)
            sb.AppendLine(S(v, "code"));
        if (r["paymentEnabled"] is JsonValue e && e.TryGetValue<bool>(out var enabled) && !enabled)
            sb.AppendLine("Note: this node does not ask for vouchers now: that needs [gateway] enabled = yes and payment = voucher, and a gateway that serves (see status).");
        return sb.ToString().TrimEnd();
    }

    public static string List(JsonObject r)
    {
        var table = new Table("CODE", "STATUS", "ALLOWS", "TIME LEFT", "DATA LEFT", "SESSION");
        foreach (var v in Arr(r, "vouchers"))
        {
            var timeLeft = v["secondsLeft"] is JsonValue s && s.TryGetValue<long>(out var seconds)
                ? Payments.Voucher.VoucherAmounts.Duration(TimeSpan.FromSeconds(seconds)) : "-";
            var dataLeft = v["bytesLeft"] is JsonValue b && b.TryGetValue<long>(out var bytes) ? Payments.Voucher.VoucherAmounts.Bytes(bytes) : "-";
            var session = v["session"] is JsonValue sid && sid.TryGetValue<string>(out var text) ? $"{text[..Math.Min(8, text.Length)]} ({S(v, "holder")})" : "-";
            table.Add(S(v, "code"), S(v, "status"), S(v, "allows"), timeLeft, dataLeft, session);
        }
        return table.Count == 0 ? "No vouchers; make some with: mnigs-cli voucher create --time 1h --data 1GB --count 20" : table.ToString();
    }

    public static string Paid(JsonObject r)
    {
        var payment = r["payment"] as JsonObject;
        var left = new List<string>();
        if (payment?["secondsLeft"] is JsonValue s && s.TryGetValue<long>(out var seconds))
            left.Add(Payments.Voucher.VoucherAmounts.Duration(TimeSpan.FromSeconds(seconds)));
        if (payment?["bytesLeft"] is JsonValue b && b.TryGetValue<long>(out var bytes))
            left.Add(Payments.Voucher.VoucherAmounts.Bytes(bytes));
        return $"Paid at {S(r, "gatewayName")} ({S(r, "gateway")}): {S(payment, "state")}" + (left.Count > 0 ? $", {string.Join(" and ", left)} left" : "");
    }

    private static string S(JsonNode? n, string key) => n?[key] switch
    {
        null => "-",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        var other => other.ToJsonString(),
    };

    private static IEnumerable<JsonNode> Arr(JsonNode n, string key) => (n[key] as JsonArray ?? []).OfType<JsonNode>();
}
