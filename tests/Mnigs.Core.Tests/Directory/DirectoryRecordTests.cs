using System.Text;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;
using static Mnigs.Core.Tests.Directory.Records;

namespace Mnigs.Core.Tests.Directory;

public sealed class DirectoryRecordTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    private static string SpareBitSet(string nodeId) => nodeId[..^1] + Alphabet[Alphabet.IndexOf(nodeId[^1]) ^ 1];

    [Fact]
    public void Canonical_bytes_are_fixed_field_order_compact_json_after_a_context_line()
    {
        var record = Signed(Alice, sequence: 1893499200000);

        Assert.Equal("iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w", record.NodeId);
        Assert.Equal(
            "mnigs-directory-record-v1\n" +
            "{\"nodeId\":\"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\",\"name\":\"gw\"," +
            "\"addresses\":[{\"network\":\"babel\",\"address\":\"fd00::1\"},{\"network\":\"yggdrasil\",\"address\":\"200:1234::1\"}]," +
            "\"rpcPort\":65533," +
            "\"suites\":[{\"id\":\"babel-wireguard-free\",\"priceMicros\":0},{\"id\":\"yggdrasil-openvpn-voucher\",\"priceMicros\":1250000}]," +
            "\"load\":2,\"capacity\":32,\"sequence\":1893499200000,\"issuedAt\":1893499200,\"expiresAt\":1893501000,\"withdrawn\":false}",
            Text(record.SignedBytes));
        // Ed25519 is deterministic: the same key and bytes give this signature on every machine, forever.
        Assert.Equal("T1O_4R90GEcFeAAu7WlF4-DUacazdg6ngcnetl8UQoPCeY195-e7otq3o3jdouRAEzHhBYsm2oqwXe-j0KQSAg", record.Signature);
    }

    [Fact]
    public void Names_are_raw_UTF8_with_only_quote_backslash_escaped()
    {
        var record = Signed(Alice, name: "Café \"Ω\" \\ 🛰");

        Assert.Contains("\"name\":\"Café \\\"Ω\\\" \\\\ 🛰\"", Text(record.CanonicalJson));
    }

    [Fact]
    public void A_record_survives_the_wire_unchanged()
    {
        var record = Signed(Alice, sequence: 7);

        var again = Parsed(Json(record.ToJson()));

        Assert.True(again.SameAs(record));
        Assert.Equal(record.WireBytes(), again.WireBytes());
        Assert.Equal(record.Size, again.WireBytes().Length);
        Assert.EndsWith($",\"signature\":\"{record.Signature}\"}}", Text(again.WireBytes()));
        Assert.Equal(record.Suites.ToArray(), again.Suites.ToArray());
        Assert.Equal(record.Addresses.ToArray(), again.Addresses.ToArray());
        Assert.Equal(1.25m, again.Suites[1].PricePerHour);
        Assert.True(again.Verify(Ed25519Verifier.Instance));
    }

    [Fact]
    public void The_wire_form_may_list_properties_in_any_order_and_pretty_printed()
    {
        var record = Signed(Alice);
        var json = record.ToJson();
        var reversed = new JsonObject();
        foreach (var (key, value) in json.Reverse().ToList())
            reversed[key] = value!.DeepClone();

        var again = Parsed(Json(reversed.ToJsonString(new() { WriteIndented = true })));

        Assert.True(again.SameAs(record));
    }

    [Theory]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{}", "'nodeId' is missing")]
    public void Not_a_record_is_malformed(string json, string error)
    {
        Assert.False(DirectoryRecord.TryParse(Json(json), out _, out var why, out var message));
        Assert.Equal(RecordRejection.Malformed, why);
        Assert.Contains(error, message);
    }

    public static TheoryData<string, string, RecordRejection> Breakages => new()
    {
        { "unknown property", """{"extra":1}""", RecordRejection.Malformed },
        { "string port", """{"rpcPort":"65533"}""", RecordRejection.Malformed },
        { "fractional load", """{"load":1.5}""", RecordRejection.Malformed },
        { "exponent sequence", """{"sequence":1e3}""", RecordRejection.Malformed },
        { "negative sequence", """{"sequence":-1}""", RecordRejection.Malformed },
        { "sequence beyond 2^53", """{"sequence":9007199254740992}""", RecordRejection.Malformed },
        { "port zero", """{"rpcPort":0}""", RecordRejection.Malformed },
        { "withdrawn as number", """{"withdrawn":0}""", RecordRejection.Malformed },
        { "negative price", """{"suites":[{"id":"babel-wireguard-free","priceMicros":-1}]}""", RecordRejection.Malformed },
        { "bad suite id", """{"suites":[{"id":"wireguard","priceMicros":0}]}""", RecordRejection.Malformed },
        { "suite twice", """{"suites":[{"id":"babel-wireguard-free","priceMicros":0},{"id":"babel-wireguard-free","priceMicros":1}]}""", RecordRejection.Malformed },
        { "suite extra field", """{"suites":[{"id":"babel-wireguard-free","priceMicros":0,"x":1}]}""", RecordRejection.Malformed },
        { "address as string", """{"addresses":["fd00::1"]}""", RecordRejection.Malformed },
        { "address with a space", """{"addresses":[{"network":"babel","address":"fd00::1; rm"}]}""", RecordRejection.Malformed },
        { "upper-case network", """{"addresses":[{"network":"Babel","address":"fd00::1"}]}""", RecordRejection.Malformed },
        { "name with an escape sequence", """{"name":"gw\u001b[31m"}""", RecordRejection.Malformed },
        { "name with a bidi override", """{"name":"gw\u202e"}""", RecordRejection.Malformed },
        { "expiry before issue", """{"expiresAt":1}""", RecordRejection.Malformed },
        { "padded signature", """{"signature":"AA=="}""", RecordRejection.Malformed },
        { "long name", $$"""{"name":"{{new string('n', 65)}}"}""", RecordRejection.Oversized },
        { "17 addresses", $$"""{"addresses":[{{string.Join(",", Enumerable.Range(1, 17).Select(i => $$"""{"network":"babel","address":"fd00::{{i}}"}"""))}}]}""", RecordRejection.Oversized },
        { "65 suites", $$"""{"suites":[{{string.Join(",", Enumerable.Range(1, 65).Select(i => $$"""{"id":"babel-t{{i}}-free","priceMicros":0}"""))}}]}""", RecordRejection.Oversized },
        { "huge text", $$"""{"name":"{{new string('n', 20000)}}"}""", RecordRejection.Oversized },
        { "short node id", """{"nodeId":"abc"}""", RecordRejection.BadNodeId },
        { "padded node id", $$"""{"nodeId":"{{Alice.NodeId[..^1]}}="}""", RecordRejection.BadNodeId },
        { "standard base64 node id", $$"""{"nodeId":"{{Alice.NodeId[..^1]}}+"}""", RecordRejection.BadNodeId },
        // Same 32 bytes, a spare bit set: a second spelling of Alice's key would be a second directory entry.
        { "non-canonical node id", $$"""{"nodeId":"{{SpareBitSet(Alice.NodeId)}}"}""", RecordRejection.BadNodeId },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void Strict_parsing_refuses_with_a_reason(string what, string patch, RecordRejection expected)
    {
        var json = Signed(Alice).ToJson();
        foreach (var (key, value) in JsonNode.Parse(patch)!.AsObject())
            json[key] = value?.DeepClone();

        var ok = DirectoryRecord.TryParse(Json(json), out _, out var why, out var error);

        Assert.False(ok, what);
        Assert.Equal(expected, why);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void A_lone_surrogate_is_malformed_not_an_exception()
    {
        var text = Signed(Alice, name: "gwXX").ToJson().ToJsonString().Replace("gwXX", "gw\\ud800");

        Assert.False(DirectoryRecord.TryParse(Json(text), out _, out var why, out _));
        Assert.Equal(RecordRejection.Malformed, why);
    }

    [Fact]
    public void A_repeated_property_is_malformed()
    {
        var text = Signed(Alice).ToJson().ToJsonString();
        var twice = text.Insert(1, "\"load\":0,");

        Assert.False(DirectoryRecord.TryParse(Json(twice), out _, out var why, out var error));
        Assert.Equal(RecordRejection.Malformed, why);
        Assert.Contains("twice", error);
    }

    [Fact]
    public void A_record_over_4096_bytes_is_oversized_even_when_each_field_is_within_its_limit()
    {
        var big = Signed(Alice).ToJson();
        var suites = new JsonArray();
        for (var i = 0; i < 64; i++)
            suites.Add((JsonNode)new JsonObject { ["id"] = $"babel-tunnel{i:D40}-free", ["priceMicros"] = 0 });
        big["suites"] = suites;

        Assert.False(DirectoryRecord.TryParse(Json(big), out _, out var why, out var error));
        Assert.Equal(RecordRejection.Oversized, why);
        Assert.Contains("4096", error);
    }

    [Fact]
    public void Signing_refuses_fields_a_peer_would_refuse()
    {
        Assert.Throws<ArgumentException>(() => Signed(Alice, name: new string('n', 65)));
        Assert.Throws<ArgumentException>(() => Signed(Alice, sequence: 0));
        Assert.Throws<ArgumentException>(() => Signed(Alice, lifetime: TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => DirectoryRecord.Sign(Alice, "gw", [new("babel", "fd00::1"), new("babel", "fd00::1")],
            65533, [], 0, 1, 1, T0, T0.AddMinutes(1)));
    }

    [Fact]
    public void Prices_are_exact_micro_units()
    {
        Assert.Equal(1_500_000, SuiteOffer.At("babel-wireguard-voucher", 1.50m).PriceMicros);
        Assert.Equal(SuiteOffer.At("babel-wireguard-voucher", 1.5m), SuiteOffer.At("babel-wireguard-voucher", 1.50m));
        Assert.True(SuiteOffer.Free("babel-wireguard-free").IsFree);
        Assert.Throws<ArgumentOutOfRangeException>(() => SuiteOffer.At("babel-wireguard-voucher", 0.0000001m));
        Assert.Throws<ArgumentOutOfRangeException>(() => SuiteOffer.At("babel-wireguard-voucher", -1m));
    }

    [Fact]
    public void Node_ids_have_one_spelling()
    {
        Assert.True(DirectoryRecord.IsNodeId(Alice.NodeId));
        Assert.False(DirectoryRecord.IsNodeId(Alice.NodeId + "="));
        Assert.False(DirectoryRecord.IsNodeId(Alice.NodeId.Replace('-', '+').Replace('_', '/')) && Alice.NodeId.Contains('-'));
        Assert.False(DirectoryRecord.IsNodeId(null));
    }
}
