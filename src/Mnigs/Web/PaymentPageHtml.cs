using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Payments.Voucher;

namespace Mnigs.Web;

/// <summary>
/// The HTML of the payment page (<see cref="PaymentPageEndpoint"/>): small, readable on a phone, no script. Every
/// value from outside (a typed code, a reason) is HTML-encoded.
/// </summary>
public static class PaymentPageHtml
{
    public static string NoSession(IPAddress caller) => Page("Not connected",
        $"<p>This gateway has no session for your address ({Encode(caller.ToString())}). Connect to it first, "
        + "for example with <code>mnigs-cli -c ADDRESS</code> or in your node's web UI, then open this page again.</p>");

    public static string Refused(string why) => Page("Refused", $"<p>This request was refused: {Encode(why)}. Open the page by the gateway's IP address.</p>");

    /// <param name="payment">The session's payment object (method, state, reason, secondsLeft, bytesLeft).</param>
    /// <param name="token">The form token that binds a POST to this session.</param>
    /// <param name="typed">A code to put in the field again (a link's, or a wrong one to correct).</param>
    public static string Session(GatewaySession session, JsonObject payment, string token, string? typed, string? message, string? error)
    {
        var body = new StringBuilder();
        if (message is not null)
            body.Append("<p class=\"ok\" role=\"status\">").Append(Encode(message)).Append("</p>\n");
        if (error is not null)
            body.Append("<p class=\"error\" role=\"alert\">").Append(Encode(error)).Append("</p>\n");

        var state = Str(payment, "state") ?? "active";
        string title;
        if (session.Suite.Payment != VoucherPayment.MethodName)
        {
            title = "No payment needed";
            body.Append("<p>Your session here is free: nothing to pay.</p>\n");
        }
        else if (state == VoucherPayment.Paid)
        {
            title = "You are online";
            body.Append("<dl>").Append(Left(payment)).Append("</dl>\n");
            body.Append("<p>When it runs out, this page asks for another voucher.</p>\n");
        }
        else
        {
            title = "Payment required";
            if (Str(payment, "reason") is { } reason)
                body.Append("<p class=\"reason\">Your session waits for payment: ").Append(Encode(reason)).Append(".</p>\n");
            body.Append($"""
                <form method="post" action="{VoucherPayment.PagePath}">
                <input type="hidden" name="token" value="{Encode(token)}">
                <label for="code">Voucher code</label>
                <input id="code" name="code" required autocomplete="off" autocapitalize="characters" spellcheck="false"
                 maxlength="40" placeholder="7K2M-9QXD-4F8R" value="{Encode(typed ?? "")}">
                <button type="submit">Redeem</button>
                </form>
                <p class="hint">Or on your node: <code>mnigs-cli pay CODE</code></p>

                """);
        }
        body.Append("<p class=\"small\">Session of ").Append(Encode(session.MeshAddress.ToString()));
        if (session.Ipv4 is { } v4)
            body.Append(", tunnel address ").Append(Encode(v4.ToString()));
        body.Append(", suite ").Append(Encode(session.Suite.Id)).Append(".</p>\n");
        return Page(title, body.ToString());
    }

    private static string Left(JsonObject payment)
    {
        var text = new StringBuilder();
        if (payment["secondsLeft"] is JsonValue s && s.TryGetValue<long>(out var seconds))
            text.Append("<dt>Time left</dt><dd id=\"time-left\">").Append(Encode(VoucherAmounts.Duration(TimeSpan.FromSeconds(seconds)))).Append("</dd>");
        if (payment["bytesLeft"] is JsonValue b && b.TryGetValue<long>(out var bytes))
            text.Append("<dt>Data left</dt><dd id=\"data-left\">").Append(Encode(VoucherAmounts.Bytes(bytes))).Append("</dd>");
        return text.ToString();
    }

    private static string Page(string title, string body) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{Encode(title)}}</title>
        <style>
        body { font-family: sans-serif; max-width: 32em; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
        label { display: block; font-weight: bold; margin-top: 1em; }
        input { font: 1.3em monospace; width: 100%; box-sizing: border-box; padding: 0.3em; margin: 0.3em 0; text-transform: uppercase; }
        button { font-size: 1.1em; padding: 0.4em 1.2em; }
        .ok { background: #e3f6e3; border: 1px solid #2a7a2a; padding: 0.5em; }
        .error { background: #fbe4e4; border: 1px solid #a32020; padding: 0.5em; }
        dt { font-weight: bold; } dd { margin: 0 0 0.5em 0; font-size: 1.3em; }
        .small, .hint { font-size: 0.85em; color: #444; }
        </style></head>
        <body>
        <h1>{{Encode(title)}}</h1>
        {{body}}
        </body></html>

        """;

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
