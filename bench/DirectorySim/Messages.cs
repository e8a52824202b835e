using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;

namespace DirectorySim;

/// <summary>
/// The sync messages of the fast path: what each carries, already read, and its exact size on the
/// wire. Each distinct message is built by the real <see cref="DirectorySync"/> code, serialized and
/// parsed back once, then reused: a digest depends only on the responder's book (its summary), an
/// offer on the two books, a reply on the responder's book and the ids wanted. Records that expire
/// change what is sent, so a book holding an expired record always gets a fresh message.
/// <c>--exact</c> serializes and parses every message instead; both give the same tables.
/// </summary>
internal sealed class MessageCache
{
    private readonly ConcurrentDictionary<string, DigestMessage> _digests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), OfferMessage> _offers = new();
    private readonly ConcurrentDictionary<(string, OfferMessage), RecordsMessage> _records = new();

    public MessageCache()
    {
        HelloSize = Size(SyncMessage.Hello(new DirectoryBook(new NoVerifier()).Summary()));
        InSyncSize = Size(SyncMessage.InSync());
    }

    public int HelloSize { get; }

    public int InSyncSize { get; }

    private int _built;

    /// <summary>Messages built since the last <see cref="Clear"/> (ConcurrentDictionary.Count would take every lock).</summary>
    public int Built => Volatile.Read(ref _built);

    public void Clear()
    {
        _built = 0;
        _digests.Clear();
        _offers.Clear();
        _records.Clear();
    }

    /// <summary>The responder's answer to a hello whose summary differs from its own.</summary>
    public DigestMessage Digest(DirectoryBook book, DateTimeOffset now) =>
        _digests.GetOrAdd(book.Summary(), static (summary, state) =>
        {
            var (cache, book, now) = state;
            Interlocked.Increment(ref cache._built);
            // A hello that does not match: the real Answer builds the digest (or its window).
            var other = new string(summary[0] == 'A' ? 'B' : 'A', summary.Length);
            using var hello = JsonDocument.Parse(Serialize(SyncMessage.Hello(other)));
            var step = DirectorySync.Answer(book, hello.RootElement, now);
            Require(step.Error is null, step.Error);
            return new DigestMessage(summary, Serialize(step.Next!)); // read by the real Continue, in Offer
        }, (this, book, now));

    /// <summary>The initiator's offer after a digest, or <see cref="OfferMessage.None"/> when it has nothing to say.</summary>
    public OfferMessage Offer(DirectoryBook book, DigestMessage digest, DateTimeOffset now) =>
        HoldsExpired(book, now)
            ? BuildOffer(book, digest, now)
            : _offers.GetOrAdd((book.Summary(), digest.Summary), static (_, state) => state.cache.Counted(BuildOffer(state.book, state.digest, state.now)), (cache: this, book, digest, now));

    /// <summary>The responder's reply to an offer, once the offered records are merged.</summary>
    public RecordsMessage Reply(DirectoryBook book, OfferMessage offer, DateTimeOffset now) =>
        HoldsExpired(book, now)
            ? BuildReply(book, offer, now)
            : _records.GetOrAdd((book.Summary(), offer), static (_, state) => state.cache.Counted(BuildReply(state.book, state.offer, state.now)), (cache: this, book, offer, now));

    private T Counted<T>(T message)
    {
        Interlocked.Increment(ref _built);
        return message;
    }

    public static byte[] Serialize(JsonObject message)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
            message.WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    private static int Size(JsonObject message) => Serialize(message).Length;

    private static OfferMessage BuildOffer(DirectoryBook book, DigestMessage digest, DateTimeOffset now)
    {
        using var reply = JsonDocument.Parse(digest.Json);
        var step = DirectorySync.Continue(book, reply.RootElement, now);
        Require(step.Error is null, step.Error);
        if (step.Next is null)
            return OfferMessage.None;
        var json = Serialize(step.Next);
        using var doc = JsonDocument.Parse(json);
        Require(SyncMessage.TryParse(doc.RootElement, out var message, out var error) && message.Kind == SyncMessageKind.Offer, error);
        return new OfferMessage(ReadRecords(message, book), [.. message.Want], json.Length);
    }

    private static RecordsMessage BuildReply(DirectoryBook book, OfferMessage offer, DateTimeOffset now)
    {
        // The real Answer to the same offer without its records (they are merged already).
        using var request = JsonDocument.Parse(Serialize(SyncMessage.Offer([], offer.Want)));
        var step = DirectorySync.Answer(book, request.RootElement, now);
        Require(step.Error is null && step.Accepted == 0, step.Error);
        var json = Serialize(step.Next!);
        using var doc = JsonDocument.Parse(json);
        Require(SyncMessage.TryParse(doc.RootElement, out var message, out var error) && message.Kind == SyncMessageKind.Records, error);
        return new RecordsMessage(ReadRecords(message, book), json.Length);
    }

    /// <summary>
    /// The records a message carries: the sender's own objects (a node id and a sequence name one
    /// record, signed once), which the receiver would read back the same from their bytes.
    /// </summary>
    private static DirectoryRecord[] ReadRecords(SyncMessage message, DirectoryBook sender) =>
        [.. message.Records.Select(json =>
            json.TryGetProperty("nodeId", out var id) && sender.Find(id.GetString()!) is { } mine
                && json.TryGetProperty("sequence", out var sequence) && sequence.GetInt64() == mine.Sequence
                ? mine
                : DirectoryRecord.TryParse(json, out var record, out var error) ? record : throw new InvalidOperationException(error))];

    private static bool HoldsExpired(DirectoryBook book, DateTimeOffset now)
    {
        foreach (var r in book.Records)
            if (r.IsExpired(now))
                return true;
        return false;
    }

    private static void Require([DoesNotReturnIf(false)] bool condition, string? what)
    {
        if (!condition)
            throw new InvalidOperationException(what ?? "unexpected message");
    }

    private sealed class NoVerifier : IRecordVerifier
    {
        public bool Verify(string nodeId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => false;
    }
}

/// <summary>A message of the fast path and its size in UTF-8 JSON.</summary>
internal abstract class Message(int size)
{
    public int Size { get; } = size;
}

/// <summary>A hello: the initiator's summary when it sent it.</summary>
internal sealed class HelloMessage(string summary, int size) : Message(size)
{
    public string Summary { get; } = summary;
}

internal sealed class InSyncMessage(int size) : Message(size);

/// <summary>A digest, kept in its wire form for the real <see cref="DirectorySync.Continue"/>.</summary>
internal sealed class DigestMessage(string summary, byte[] json) : Message(json.Length)
{
    /// <summary>The summary of the book it describes.</summary>
    public string Summary { get; } = summary;

    public byte[] Json { get; } = json;
}

internal sealed class OfferMessage(DirectoryRecord[] records, string[] want, int size) : Message(size)
{
    /// <summary>Nothing to offer and nothing wanted: the exchange is over.</summary>
    public static readonly OfferMessage None = new([], [], 0);

    public DirectoryRecord[] Records { get; } = records;

    public string[] Want { get; } = want;
}

internal sealed class RecordsMessage(DirectoryRecord[] records, int size) : Message(size)
{
    public DirectoryRecord[] Records { get; } = records;
}
