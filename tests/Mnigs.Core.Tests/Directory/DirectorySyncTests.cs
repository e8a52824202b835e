using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;
using static Mnigs.Core.Tests.Directory.Records;

namespace Mnigs.Core.Tests.Directory;

public sealed class DirectorySyncTests
{
    /// <summary>One exchange from <paramref name="a"/> to <paramref name="b"/>, every message through its JSON text as on the wire.</summary>
    private static List<(SyncMessageKind Kind, int Bytes)> Exchange(DirectoryBook a, DirectoryBook b, Random? random = null)
    {
        var sent = new List<(SyncMessageKind, int)>();
        var step = DirectorySync.Hello(a);
        var initiatorTurn = false;
        while (step.Next is { } message)
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            using var doc = JsonDocument.Parse(bytes);
            Assert.True(SyncMessage.TryParse(doc.RootElement, out var parsed, out var error), error);
            sent.Add((parsed.Kind, bytes.Length));
            step = initiatorTurn ? DirectorySync.Continue(a, doc.RootElement, T0) : DirectorySync.Answer(b, doc.RootElement, T0, random);
            Assert.Null(step.Error);
            initiatorTurn = !initiatorTurn;
        }
        return sent;
    }

    private static DirectoryBook Book(IRecordVerifier? verifier = null, params DirectoryRecord[] records)
    {
        var book = new DirectoryBook(verifier ?? Ed25519Verifier.Instance);
        foreach (var r in records)
            Assert.True(book.Merge(r, T0).Accepted);
        return book;
    }

    private static string[] Wire(DirectoryBook book) => [.. book.Records.Select(r => Encoding.UTF8.GetString(r.WireBytes()))];

    [Fact]
    public void A_full_exchange_leaves_both_books_the_same()
    {
        var a = Book(null, Signed(Alice, sequence: 2), Signed(Bob, sequence: 1));
        var b = Book(null, Signed(Alice, sequence: 1), Signed(Carol, sequence: 4, withdrawn: true));

        var messages = Exchange(a, b);

        Assert.Equal([SyncMessageKind.Hello, SyncMessageKind.Digest, SyncMessageKind.Offer, SyncMessageKind.Records],
            messages.Select(m => m.Kind));
        Assert.Equal(Wire(a), Wire(b));
        Assert.Equal(3, a.Count);
        Assert.Equal(a.Summary(), b.Summary());
    }

    [Fact]
    public void Books_in_sync_exchange_two_small_messages()
    {
        var a = Book(null, Signed(Alice), Signed(Bob));
        var b = Book(null, Signed(Bob), Signed(Alice));

        var messages = Exchange(a, b);

        Assert.Equal([(SyncMessageKind.Hello, 36), (SyncMessageKind.InSync, 15)], messages);
    }

    [Fact]
    public void A_one_sided_difference_ends_after_the_digest_when_the_initiator_has_nothing_to_add()
    {
        var a = Book(null, Signed(Alice));
        var b = Book(null, Signed(Alice), Signed(Bob));

        var messages = Exchange(a, b);

        Assert.Equal(4, messages.Count);
        Assert.Equal(Wire(a), Wire(b));
    }

    [Fact]
    public void More_records_than_a_message_carries_arrive_over_several_rounds()
    {
        var keys = Enumerable.Range(0, SyncMessage.MaxRecords + 44).Select(i => new HashKey(i)).ToList();
        var a = Book(HashVerifier.Instance);
        var b = Book(HashVerifier.Instance, [.. keys.Select(k => Signed(k))]);

        Exchange(a, b);
        Assert.Equal(SyncMessage.MaxRecords, a.Count);

        Exchange(a, b);
        Assert.Equal(b.Count, a.Count);
        Assert.Equal(b.Summary(), a.Summary());
    }

    [Fact]
    public void A_book_larger_than_a_digest_is_compared_a_window_at_a_time()
    {
        var keys = Enumerable.Range(0, SyncMessage.MaxDigestEntries * 2 + 500).Select(i => new HashKey(i)).ToList();
        var records = keys.Select(k => Signed(k)).ToList();
        var a = Book(HashVerifier.Instance, [.. records.Where((_, i) => i % 3 != 0)]);
        var b = Book(HashVerifier.Instance, [.. records.Where((_, i) => i % 3 != 1)]);
        var random = new Random(7);

        var rounds = 0;
        while (a.Summary() != b.Summary())
        {
            var messages = Exchange(a, b, random);
            Assert.All(messages, m => Assert.True(m.Bytes <= SyncMessage.MaxBytes));
            Assert.True(++rounds < 200, "no convergence");
        }

        Assert.Equal(keys.Count, a.Count);
        Assert.Equal(Wire(a), Wire(b));
    }

    [Fact]
    public void Bad_records_in_an_offer_are_counted_and_the_good_ones_taken()
    {
        var b = Book();
        var offer = SyncMessage.Offer([Signed(Alice), Signed(Bob)], []);
        var altered = Signed(Carol).ToJson();
        altered["load"] = 5;
        offer["records"]!.AsArray().Add((JsonNode)altered);
        offer["records"]!.AsArray().Add((JsonNode)"not a record");

        var step = DirectorySync.Answer(b, Json(offer), T0);

        Assert.Equal((2, 2), (step.Accepted, step.Refused));
        Assert.Equal(1, b.Rejections[RecordRejection.BadSignature]);
        Assert.Equal(1, b.Rejections[RecordRejection.Malformed]);
        Assert.Equal(SyncMessageKind.Records, Parse(step.Next!).Kind);
    }

    [Fact]
    public void Only_wanted_records_are_sent_back()
    {
        var b = Book(null, Signed(Alice), Signed(Bob));

        var step = DirectorySync.Answer(b, Json(SyncMessage.Offer([], [Bob.NodeId, Carol.NodeId])), T0);

        var records = step.Next!["records"]!.AsArray();
        Assert.Equal(Bob.NodeId, (string?)records.Single()!["nodeId"]);
    }

    public static TheoryData<string, string> BadMessages => new()
    {
        { "[]", "JSON object" },
        { "{}", "not a directory message" },
        { """{"summary":5}""", "summary" },
        { """{"inSync":false}""", "inSync" },
        { """{"digest":[]}""", "digest" },
        { """{"digest":{"x":1}}""", "node ids" },
        { $$$"""{"digest":{"{{{Alice.NodeId}}}":0}}""", "sequences" },
        { $$$"""{"digest":{"{{{Alice.NodeId}}}":1,"{{{Alice.NodeId}}}":2}}""", "distinct" },
        { $$"""{"digest":{"{{Alice.NodeId}}":1},"from":"{{Alice.NodeId}}","to":"{{Alice.NodeId}}"}""", "before" },
        { """{"records":{}}""", "array" },
        { """{"want":"x"}""", "want" },
        { """{"want":["x"]}""", "node ids" },
        { $$"""{"records":[{{string.Join(",", Enumerable.Repeat("{}", SyncMessage.MaxRecords + 1))}}]}""", "at most 256" },
        { $$"""{"records":[],"padding":"{{new string('x', SyncMessage.MaxBytes)}}"}""", "may not exceed" },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public void Unreadable_messages_are_plain_errors(string json, string error)
    {
        Assert.False(SyncMessage.TryParse(Json(json), out _, out var message));
        Assert.Contains(error, message);
        var step = DirectorySync.Answer(Book(), Json(json), T0);
        Assert.True(step.Done);
        Assert.NotNull(step.Error);
    }

    [Fact]
    public void An_answer_in_place_of_a_request_is_refused()
    {
        var step = DirectorySync.Answer(Book(), Json(SyncMessage.InSync()), T0);

        Assert.Contains("hello or an offer", step.Error);
    }

    [Fact]
    public void An_RPC_result_wrapper_around_a_message_is_accepted()
    {
        var reply = SyncMessage.InSync();
        reply["success"] = true;

        Assert.True(DirectorySync.Continue(Book(), Json(reply), T0) is { Done: true, Error: null });
    }

    [Fact]
    public void Expired_records_are_not_sent()
    {
        var b = Book(null, Signed(Alice, lifetime: TimeSpan.FromMinutes(1)), Signed(Bob));

        var step = DirectorySync.Answer(b, Json(SyncMessage.Offer([], [Alice.NodeId, Bob.NodeId])), T0.AddMinutes(2));

        Assert.Single(step.Next!["records"]!.AsArray());
    }

    private static SyncMessage Parse(JsonObject message)
    {
        Assert.True(SyncMessage.TryParse(Json(message), out var parsed, out var error), error);
        return parsed;
    }
}
