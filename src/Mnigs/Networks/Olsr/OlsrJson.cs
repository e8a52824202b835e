using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// Reading single values from jsoninfo's objects, tolerant of what different olsrd versions print: numbers or
/// numbers in strings (0.6 prints /sys values as strings), booleans as true/false, "yes"/"no" or 1/0, and the
/// same value under different names. Every reader returns null for a missing or unreadable value; none throws.
/// </summary>
internal static class OlsrJson
{
    /// <summary>The first of <paramref name="names"/> present with a non-null value.</summary>
    public static JsonElement? Field(JsonElement o, params ReadOnlySpan<string> names)
    {
        if (o.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var name in names)
        {
            if (o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null)
                return v;
        }
        return null;
    }

    public static string? Text(JsonElement o, params ReadOnlySpan<string> names) =>
        Field(o, names) is { } v ? TextOf(v) : null;

    /// <summary>A JSON string's text; null for anything else, and for a string escaping half a surrogate pair.</summary>
    public static string? TextOf(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.String)
            return null;
        try
        {
            return v.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A finite number, from a JSON number or a string holding one.</summary>
    public static double? Number(JsonElement o, params ReadOnlySpan<string> names) =>
        Field(o, names) is { } v && NumberText(v) is { } text
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : null;

    public static int? Whole(JsonElement o, params ReadOnlySpan<string> names) =>
        Number(o, names) is { } d && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : null;

    /// <summary>A cost in olsrd's unit (see <see cref="OlsrCost.FromText"/>).</summary>
    public static double? Cost(JsonElement o, params ReadOnlySpan<string> names) =>
        Field(o, names) is { } v && NumberText(v) is { } text
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? OlsrCost.FromText(text, d)
            : null;

    public static bool? Flag(JsonElement o, params ReadOnlySpan<string> names) => Field(o, names) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { ValueKind: JsonValueKind.Number } n => n.GetRawText() switch { "1" => true, "0" => false, _ => null },
        { ValueKind: JsonValueKind.String } s => TextOf(s)?.Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "on" or "1" => true,
            "false" or "no" or "off" or "0" => false,
            _ => null,
        },
        _ => null,
    };

    /// <summary>An address as olsrd prints them: dotted quad or IPv6 text, no zone. Anything looser is no address.</summary>
    public static IPAddress? Address(JsonElement o, params ReadOnlySpan<string> names) =>
        Text(o, names) is { } s ? ParseAddress(s) : null;

    public static IPAddress? ParseAddress(string text)
    {
        var s = text.Trim();
        if (s.Length is 0 or > 45 || s.Contains('%') || !IPAddress.TryParse(s, out var a))
            return null;
        // IPAddress.TryParse takes "10" for 0.0.0.10; olsrd always prints four parts.
        if (a.AddressFamily == AddressFamily.InterNetwork && s.Count(c => c == '.') != 3)
            return null;
        return a;
    }

    /// <summary>
    /// A prefix from an address and a length (a number or a dotted netmask), or from "address/length" in the
    /// address itself. Host bits are cleared, so "10.0.0.1" with 24 is 10.0.0.0/24.
    /// </summary>
    public static IPNetwork? Prefix(JsonElement o, string addressName, string lengthName)
    {
        var text = Text(o, addressName);
        if (text is null)
            return null;
        var slash = text.IndexOf('/');
        IPAddress? address;
        int? length;
        if (slash >= 0)
        {
            address = ParseAddress(text[..slash]);
            length = int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : null;
        }
        else
        {
            address = ParseAddress(text);
            length = Whole(o, lengthName) ?? (Text(o, lengthName) is { } mask ? MaskLength(mask) : null);
        }
        return address is not null && length is { } len ? Network(address, len) : null;
    }

    public static IPNetwork? Network(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        if (length < 0 || length > bytes.Length * 8)
            return null;
        for (var bit = length; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPNetwork(new IPAddress(bytes), length);
    }

    /// <summary>The section's value: <c>{"NAME": ...}</c> (0.6.4 and later), or inside <c>{"data": [{"NAME": ...}]}</c> (0.6.3 and earlier).</summary>
    public static JsonElement? Section(JsonElement root, string name)
    {
        if (Field(root, name) is { } direct)
            return direct;
        if (Field(root, "data") is { ValueKind: JsonValueKind.Array } data)
        {
            foreach (var part in data.EnumerateArray())
            {
                if (Field(part, name) is { } inside)
                    return inside;
            }
        }
        return null;
    }

    private static string? NumberText(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.String => TextOf(v)?.Trim() is { Length: > 0 and < 64 } s ? s : null,
        _ => null,
    };

    private static int? MaskLength(string mask)
    {
        if (ParseAddress(mask) is not { AddressFamily: AddressFamily.InterNetwork } m)
            return null;
        var bits = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(m.GetAddressBytes());
        var length = System.Numerics.BitOperations.PopCount(bits);
        // Only a contiguous mask is a prefix length.
        return length == 0 || bits << (length - 1) == 0x80000000u ? length : null;
    }
}
