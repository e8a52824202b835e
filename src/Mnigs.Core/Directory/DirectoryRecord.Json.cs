using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Mnigs.Core.Directory;

public sealed partial class DirectoryRecord
{
    // Escapes (\u00e9 for é) and whitespace may make an honest record's text up to a few times its
    // compact size; anything beyond this is refused before a single string is decoded.
    private const int MaxRawBytes = 4 * MaxBytes;

    private static readonly string[] Properties =
        ["nodeId", "name", "addresses", "rpcPort", "suites", "load", "capacity", "sequence", "issuedAt", "expiresAt", "withdrawn", "signature"];

    // Compared as UTF-8, so that reading a record decodes no property name into a string.
    private static readonly byte[][] PropertyNames = [.. Properties.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Reads a record in the wire form. Strict, and never throws: a peer's bytes are untrusted.</summary>
    public static bool TryParse(JsonElement json, [NotNullWhen(true)] out DirectoryRecord? record, out string error) =>
        TryParse(json, out record, out _, out error);

    /// <summary>As <see cref="TryParse(JsonElement, out DirectoryRecord?, out string)"/>, with the reason a book counts.</summary>
    public static bool TryParse(JsonElement json, [NotNullWhen(true)] out DirectoryRecord? record, out RecordRejection rejection, out string error)
    {
        record = null;
        try
        {
            (rejection, error) = Read(json, out record);
        }
        catch (InvalidOperationException)
        {
            // A string with a lone surrogate escape cannot be decoded; JsonElement says so by throwing.
            (rejection, error) = (RecordRejection.Malformed, "a string is not valid Unicode");
        }
        return record is not null;
    }

    private static (RecordRejection, string) Read(JsonElement json, out DirectoryRecord? record)
    {
        record = null;
        if (json.ValueKind != JsonValueKind.Object)
            return Malformed("a record must be a JSON object");
        if (JsonMarshal.GetRawUtf8Value(json).Length > MaxRawBytes)
            return (RecordRejection.Oversized, $"a record may not exceed {MaxBytes} bytes");

        var seen = 0;
        string nodeId = "", name = "", signature = "";
        var addresses = ImmutableArray<GatewayAddress>.Empty;
        var suites = ImmutableArray<SuiteOffer>.Empty;
        long rpcPort = 0, load = 0, capacity = 0, sequence = 0, issuedAt = 0, expiresAt = 0;
        var withdrawn = false;

        foreach (var property in json.EnumerateObject())
        {
            var index = 0;
            while (index < PropertyNames.Length && !property.NameEquals(PropertyNames[index]))
                index++;
            if (index == PropertyNames.Length)
                return Malformed($"unknown property '{RecordText.Shorten(property.Name)}'");
            if ((seen & (1 << index)) != 0)
                return Malformed($"'{Properties[index]}' appears twice");
            seen |= 1 << index;

            var v = property.Value;
            var problem = index switch
            {
                0 => Text(v, "nodeId", NodeIdLength, out nodeId),
                1 => Text(v, "name", MaxNameLength, out name),
                2 => ReadAddresses(v, out addresses),
                3 => Integer(v, "rpcPort", out rpcPort),
                4 => ReadSuites(v, out suites),
                5 => Integer(v, "load", out load),
                6 => Integer(v, "capacity", out capacity),
                7 => Integer(v, "sequence", out sequence),
                8 => Integer(v, "issuedAt", out issuedAt),
                9 => Integer(v, "expiresAt", out expiresAt),
                10 => Flag(v, out withdrawn),
                _ => Text(v, "signature", SignatureLength, out signature),
            };
            if (problem is { } p)
                return p;
        }

        if (seen != (1 << Properties.Length) - 1)
            return Malformed($"'{Properties.First(p => (seen & (1 << Array.IndexOf(Properties, p))) == 0)}' is missing");
        if (!IsNodeId(nodeId))
            return (RecordRejection.BadNodeId, "nodeId is not the base64url (no padding) of a 32-byte key");
        if (!IsCanonicalBase64Url(signature, SignatureLength, 64))
            return Malformed("signature is not the base64url (no padding) of 64 bytes");
        if (rpcPort is < 1 or > 65535)
            return Malformed("rpcPort must be 1-65535");
        if (load is < 0 or > MaxLoad || capacity is < 0 or > MaxLoad)
            return Malformed($"load and capacity must be 0-{MaxLoad}");
        if (Problem(nodeId, name, addresses, (int)rpcPort, suites, (int)load, (int)capacity, sequence, issuedAt, expiresAt) is { } rule)
            return Malformed(rule);

        var parsed = new DirectoryRecord(nodeId, name, addresses, (int)rpcPort, suites, (int)load, (int)capacity, sequence,
            issuedAt, expiresAt, withdrawn, signature);
        if (parsed.Size > MaxBytes)
            return (RecordRejection.Oversized, $"a record may not exceed {MaxBytes} bytes");
        record = parsed;
        return (default, "");
    }

    private static (RecordRejection, string)? ReadAddresses(JsonElement v, out ImmutableArray<GatewayAddress> addresses)
    {
        addresses = [];
        if (v.ValueKind != JsonValueKind.Array)
            return Malformed("addresses must be an array");
        if (v.GetArrayLength() > MaxAddresses)
            return (RecordRejection.Oversized, $"at most {MaxAddresses} addresses");
        var list = ImmutableArray.CreateBuilder<GatewayAddress>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                return Malformed("an address must be an object {network, address}");
            string network = "", address = "";
            var count = 0;
            foreach (var p in item.EnumerateObject())
            {
                var problem = p.Name switch
                {
                    "network" when network.Length == 0 => Text(p.Value, "network", GatewayAddress.MaxNetworkLength, out network),
                    "address" when address.Length == 0 => Text(p.Value, "address", GatewayAddress.MaxAddressLength, out address),
                    _ => Malformed($"an address has an unknown or repeated property '{RecordText.Shorten(p.Name)}'"),
                };
                if (problem is { } bad)
                    return bad;
                count++;
            }
            if (count != 2)
                return Malformed("an address must have network and address");
            list.Add(new GatewayAddress(network, address));
        }
        addresses = list.ToImmutable();
        return null;
    }

    private static (RecordRejection, string)? ReadSuites(JsonElement v, out ImmutableArray<SuiteOffer> suites)
    {
        suites = [];
        if (v.ValueKind != JsonValueKind.Array)
            return Malformed("suites must be an array");
        if (v.GetArrayLength() > MaxSuites)
            return (RecordRejection.Oversized, $"at most {MaxSuites} suites");
        var list = ImmutableArray.CreateBuilder<SuiteOffer>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                return Malformed("a suite must be an object {id, priceMicros}");
            string? id = null;
            long? price = null;
            foreach (var p in item.EnumerateObject())
            {
                (RecordRejection, string)? problem;
                if (p.Name == "id" && id is null)
                    problem = Text(p.Value, "suite id", 64, out id);
                else if (p.Name == "priceMicros" && price is null)
                {
                    problem = Integer(p.Value, "priceMicros", out var micros);
                    price = micros;
                }
                else
                    problem = Malformed($"a suite has an unknown or repeated property '{RecordText.Shorten(p.Name)}'");
                if (problem is { } bad)
                    return bad;
            }
            if (id is null || price is null)
                return Malformed("a suite must have id and priceMicros");
            list.Add(new SuiteOffer(id, price.Value));
        }
        suites = list.ToImmutable();
        return null;
    }

    private static (RecordRejection, string)? Text(JsonElement v, string what, int maxLength, out string value)
    {
        value = "";
        if (v.ValueKind != JsonValueKind.String)
            return Malformed($"{what} must be a string");
        var text = v.GetString()!;
        if (text.Length > maxLength)
            return (RecordRejection.Oversized, $"{what} is longer than {maxLength} characters");
        value = text;
        return null;
    }

    private static (RecordRejection, string)? Integer(JsonElement v, string what, out long value)
    {
        value = 0;
        // TryGetInt64 refuses fractions and exponents: 1.0 and 1e3 are not integers on this wire.
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out value) ? null : Malformed($"{what} must be an integer");
    }

    private static (RecordRejection, string)? Flag(JsonElement v, out bool value)
    {
        value = v.ValueKind == JsonValueKind.True;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : Malformed("withdrawn must be true or false");
    }

    private static (RecordRejection, string) Malformed(string error) => (RecordRejection.Malformed, error);
}
