using System.Text.Json.Nodes;

namespace Mnigs.Payments;

/// <summary>
/// A subscriber's view of its session's payment, as the gateway last described it (the <c>payment</c> object of
/// requestConnection, renewConnection, redeemVoucher and paymentStatus). <see cref="Required"/> while the gateway
/// holds the session back; <see cref="Page"/> is where to pay.
/// </summary>
public sealed record PaymentStatus(string Method, string State, string? Page = null, string? Reason = null, long? SecondsLeft = null, long? BytesLeft = null)
{
    public const string PendingState = "pending";

    public bool Required => State == PendingState;

    /// <summary>What a gateway's <c>payment</c> object says; <paramref name="method"/> and active when it says nothing usable (a gateway's reply is not trusted).</summary>
    public static PaymentStatus Parse(JsonNode? payment, string method)
    {
        if (payment is not JsonObject o)
            return new PaymentStatus(method, "active");
        var page = Str(o, "page");
        // Only a plain http(s) address is shown to the user as the page.
        if (page is not null && (page.Length > 200 || !Uri.TryCreate(page, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            page = null;
        return new PaymentStatus(
            Method: Clip(Str(o, "method"), 32) ?? method,
            State: Clip(Str(o, "state"), 32) ?? "active",
            Page: page,
            Reason: Clip(Str(o, "reason"), 200),
            SecondsLeft: Long(o, "secondsLeft"),
            BytesLeft: Long(o, "bytesLeft"));
    }

    public JsonObject Describe() => new()
    {
        ["method"] = Method,
        ["state"] = State,
        ["required"] = Required,
        ["page"] = Page,
        ["reason"] = Reason,
        ["secondsLeft"] = SecondsLeft,
        ["bytesLeft"] = BytesLeft,
    };

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static long? Long(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<long>(out var n) && n >= 0 ? n : null;

    private static string? Clip(string? text, int max) =>
        text is null ? null : new string([.. (text.Length > max ? text[..max] : text).Where(c => !char.IsControl(c))]);
}
