using System.Globalization;
using System.Net;
using System.Text;
using QRCoder;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// Vouchers for handing out: a CSV file, or a printable HTML sheet with one card per voucher (the code, what it
/// allows, where to redeem it and a QR code of the payment page's address with the code filled in). The QR codes
/// are SVG from QRCoder (pure managed code, no System.Drawing), inline, so the sheet is one self-contained file.
/// </summary>
public static class VoucherSheet
{
    /// <summary>code,time,data,status,created: one line per voucher, times in seconds and data in bytes (empty: no limit).</summary>
    public static string Csv(IEnumerable<VoucherRecord> vouchers, DateTimeOffset now, Func<VoucherRecord, bool> heldByLiveSession)
    {
        var text = new StringBuilder("code,time_seconds,data_bytes,status,created_at\n");
        foreach (var v in vouchers)
        {
            text.Append(VoucherCode.Format(v.Code)).Append(',')
                .Append(v.Time is { } t ? ((long)t.TotalSeconds).ToString(CultureInfo.InvariantCulture) : "").Append(',')
                .Append(v.DataBytes?.ToString(CultureInfo.InvariantCulture) ?? "").Append(',')
                .Append(v.Status(now, heldByLiveSession(v))).Append(',')
                .Append(v.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// The printable sheet. <paramref name="pageUrl"/> is the payment page as subscribers reach it (null when this
    /// node has no mesh address yet: the cards then carry only the code).
    /// </summary>
    public static string Html(IEnumerable<VoucherRecord> vouchers, string gatewayName, string? pageUrl)
    {
        var name = WebUtility.HtmlEncode(gatewayName);
        var html = new StringBuilder();
        html.Append($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>Vouchers of {{name}}</title>
            <style>
            body { font-family: sans-serif; margin: 1em; }
            .sheet { display: flex; flex-wrap: wrap; gap: 0.5em; }
            .card { border: 1px dashed #555; padding: 0.6em; width: 17em; break-inside: avoid; page-break-inside: avoid; }
            .card svg { width: 8em; height: 8em; float: right; margin-left: 0.4em; }
            .code { font: bold 1.2em monospace; letter-spacing: 0.05em; }
            .small { font-size: 0.8em; color: #333; overflow-wrap: anywhere; }
            @media print { h1, .hint { display: none; } body { margin: 0; } }
            </style></head>
            <body>
            <h1>Vouchers of {{name}}</h1>
            <p class="hint">Print this page; cut along the dashed lines.</p>
            <div class="sheet">

            """);
        foreach (var v in vouchers)
        {
            var code = VoucherCode.Format(v.Code);
            var link = pageUrl is null ? null : $"{pageUrl}?code={code}";
            html.Append("<div class=\"card\">");
            html.Append(Qr(link ?? code));
            html.Append("<div>Internet at <b>").Append(name).Append("</b></div>");
            html.Append("<div class=\"code\">").Append(code).Append("</div>");
            html.Append("<div>").Append(WebUtility.HtmlEncode(Allows(v))).Append("</div>");
            if (pageUrl is not null)
                html.Append("<div class=\"small\">Connect, then open ").Append(WebUtility.HtmlEncode(pageUrl)).Append(" or run mnigs-cli pay ").Append(code).Append("</div>");
            else
                html.Append("<div class=\"small\">Connect, then run mnigs-cli pay ").Append(code).Append("</div>");
            html.Append("</div>\n");
        }
        html.Append("</div>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>1 h and 1 GB, 30 min, 500 MB: what a voucher allows, in words.</summary>
    public static string Allows(VoucherRecord v) =>
        (v.Time, v.DataBytes) switch
        {
            ({ } t, { } d) => $"{VoucherAmounts.Duration(t)} and {VoucherAmounts.Bytes(d)}",
            ({ } t, null) => VoucherAmounts.Duration(t),
            (null, { } d) => VoucherAmounts.Bytes(d),
            _ => "",
        };

    /// <summary>An inline SVG QR code of <paramref name="text"/> (error correction M: readable with a smudge or a fold).</summary>
    public static string Qr(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4, "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
        // QRCoder writes an XML declaration-free <svg ...>; keep only the element itself.
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start < 0 ? "" : svg[start..];
    }
}
