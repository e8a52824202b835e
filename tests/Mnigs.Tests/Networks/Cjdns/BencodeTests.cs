using System.Text;
using System.Text.Json.Nodes;
using Mnigs.Networks.Cjdns;

namespace Mnigs.Tests.Networks.Cjdns;

public class BencodeTests
{
    private static byte[] B(string ascii) => Encoding.ASCII.GetBytes(ascii);

    private static string Text(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    [Fact]
    public void Every_recorded_request_is_canonical_bencoding()
    {
        foreach (var name in CjdnsFixtures.Names)
        {
            var request = CjdnsFixtures.Request(name);
            Assert.Equal(Text(request), Text(Bencode.Encode(Bencode.Decode(request))));
        }
    }

    [Fact]
    public void Every_recorded_response_decodes_to_what_its_json_says()
    {
        foreach (var name in CjdnsFixtures.Names)
        {
            var decoded = ToJson(Bencode.Decode(CjdnsFixtures.Response(name)));
            var expected = CjdnsFixtures.ResponseJson(name) is { } json ? JsonNode.Parse(json) : null;
            if (expected is not null)
                Assert.True(JsonNode.DeepEquals(expected, decoded), $"{name}: {decoded.ToJsonString()}");
        }
    }

    [Fact]
    public void Padded_string_lengths_are_read_as_cjdroute_writes_them()
    {
        var answer = (BencDictionary)Bencode.Decode(B("d0001:q4:pong4:txid2:t0e"));

        Assert.Equal("pong", answer.Text("q"));
        Assert.Equal("t0", answer.Text("txid"));
    }

    [Fact]
    public void Writing_recorded_responses_with_cjdroutes_padding_gives_the_recorded_bytes()
    {
        // The fake's writer must be cjdroute's: every recorded response, decoded and written again, is the same datagram.
        foreach (var name in CjdnsFixtures.Names)
        {
            var response = CjdnsFixtures.Response(name);
            Assert.Equal(Text(response), Text(CjdrouteWire.Encode(CjdnsFixtures.Decoded(response))));
        }
        Assert.Equal("d00000006:cookie10:17534762054:txid2:c0e", Text(CjdrouteWire.Encode(CjdnsFixtures.Decoded(B("d6:cookie10:17534762054:txid2:c0e")))));
        // Two answers of a cjdroute v20.7 built from its source for this work (NodeStore_getLink past the last link, NodeStore_nodeForAddr of an unknown node).
        Assert.Equal("d005:error7:unknown6:resultde4:txid2:t0e", Text(CjdrouteWire.Encode(CjdnsFixtures.Decoded(B("d5:error7:unknown6:resultde4:txid2:t0e")))));
        Assert.Equal("d000005:error4:none6:resultde4:txid2:t0e", Text(CjdrouteWire.Encode(CjdnsFixtures.Decoded(B("d5:error4:none6:resultde4:txid2:t0e")))));
    }

    [Fact]
    public void Dictionary_keys_are_written_in_raw_byte_order_whatever_order_they_were_added_in()
    {
        var d = new BencDictionary { ["txid"] = "1", ["b"] = 2, ["ab"] = 3, ["a"] = 4, ["Z"] = 5, ["é"] = 6 };

        Assert.Equal("d1:Zi5e1:ai4e2:abi3e1:bi2e4:txid1:12:éi6ee", Encoding.UTF8.GetString(Bencode.Encode(d)));
    }

    [Fact]
    public void Keys_out_of_order_are_read_because_older_cjdroutes_wrote_them_so()
    {
        var d = (BencDictionary)Bencode.Decode(B("d4:txid2:t05:error4:nonee"));

        Assert.Equal("none", d.Text("error"));
        Assert.Equal("d5:error4:none4:txid2:t0e", Text(Bencode.Encode(d)));
    }

    [Fact]
    public void Values_of_every_kind_round_trip()
    {
        var value = new BencDictionary
        {
            ["list"] = new BencList([1, -1, long.MaxValue, long.MinValue, "", new BencList([]), new BencDictionary()]),
            ["binary"] = new BencString([0, 255, 0xfc, (byte)':', (byte)'e']),
        };

        var bytes = Bencode.Encode(value);

        Assert.Equal(bytes, Bencode.Encode(Bencode.Decode(bytes)));
        Assert.Equal("{\"binary\": 0x00fffc3a65, \"list\": [1, -1, 9223372036854775807, -9223372036854775808, \"\", [], {}]}", Bencode.Decode(bytes).ToString());
    }

    [Theory]
    [InlineData("", "byte 0: the input ends where a value should start")]
    [InlineData("x", "byte 0: 0x78 cannot start a value")]
    [InlineData("i03e", "byte 0: an integer with a leading zero")]
    [InlineData("i-0e", "byte 0: -0 is not an integer in bencoding")]
    [InlineData("ie", "byte 0: an integer must be decimal digits with an optional '-'")]
    [InlineData("i-e", "byte 0: an integer must be decimal digits with an optional '-'")]
    [InlineData("i1.5e", "byte 0: an integer must be decimal digits with an optional '-'")]
    [InlineData("i9223372036854775808e", "byte 0: an integer beyond 64 bits")]
    [InlineData("i123456789012345678901e", "byte 0: an integer without its 'e' within 20 bytes")]
    [InlineData("i12", "byte 0: an integer without its 'e' within 20 bytes")]
    [InlineData("5:abc", "byte 0: a string of 5 bytes where 3 remain")]
    [InlineData("99999999999999999999999:x", "byte 0: a string longer than the whole input")]
    [InlineData("3abc", "byte 1: a string length must end with ':'")]
    [InlineData("l", "byte 0: the list that starts here has no end")]
    [InlineData("d1:a", "byte 4: the input ends where a value should start")]
    [InlineData("di1ei2ee", "byte 1: a dictionary key must be a string")]
    [InlineData("d1:ai1e1:ai2ee", "byte 7: the key \"a\" appears twice")]
    [InlineData("d1:ai1eee", "byte 8: 1 bytes after the end of the value")]
    [InlineData("i1ei2e", "byte 3: 3 bytes after the end of the value")]
    public void Malformed_bencoding_is_refused_with_its_place_and_reason(string input, string reason)
    {
        var e = Assert.Throws<BencodeException>(() => Bencode.Decode(B(input)));

        Assert.Equal("bad bencoding at " + reason, e.Message);
        Assert.False(Bencode.TryDecode(B(input), out _, out var error));
        Assert.Equal(e.Message, error);
    }

    [Fact]
    public void Nesting_beyond_the_limit_is_refused()
    {
        Assert.NotNull(Bencode.Decode(B(new string('l', 32) + new string('e', 32))));

        var e = Assert.Throws<BencodeException>(() => Bencode.Decode(B(new string('l', 33) + new string('e', 33))));

        Assert.Equal("bad bencoding at byte 32: nested deeper than 32 levels", e.Message);
        // Far deeper than any stack: refused at the limit, not by running out of stack.
        Assert.Throws<BencodeException>(() => Bencode.Decode(B(new string('l', 60_000))));
    }

    [Fact]
    public void More_than_a_datagram_is_refused_before_it_is_read()
    {
        var e = Assert.Throws<BencodeException>(() => Bencode.Decode(new byte[BencodeLimits.DatagramBytes + 1]));

        Assert.Equal($"bad bencoding at byte 65535: 65536 bytes, more than the 65535 allowed", e.Message);
        Assert.Throws<BencodeException>(() => Bencode.Decode(B("4:abcd"), new BencodeLimits(MaxBytes: 5)));
    }

    [Fact]
    public void Byte_strings_that_are_not_utf8_are_kept_as_bytes()
    {
        var s = (BencString)Bencode.Decode([(byte)'2', (byte)':', 0xff, 0xfe]);

        Assert.Null(s.Text);
        Assert.Equal(new byte[] { 0xff, 0xfe }, s.Bytes.ToArray());
        Assert.Equal("0xfffe", s.ToString());
    }

    /// <summary>The recording's JSON form: integers, text, {"hex": ...} for other bytes.</summary>
    private static JsonNode ToJson(BencValue value) => value switch
    {
        BencInteger i => JsonValue.Create(i.Value),
        BencString s => s.Text is { } t ? JsonValue.Create(t) : new JsonObject { ["hex"] = Convert.ToHexStringLower(s.Bytes.Span) },
        BencList l => new JsonArray([.. l.Items.Select(ToJson)]),
        BencDictionary d => new JsonObject(d.Entries.Select(e => KeyValuePair.Create(Encoding.UTF8.GetString(e.Key), (JsonNode?)ToJson(e.Value)))),
        _ => throw new ArgumentException("unknown value"),
    };
}
