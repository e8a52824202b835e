using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnigs.Core.Directory;

/// <summary>
/// Anti-entropy between two directory books, as pure message handling: the daemon carries the
/// messages over JSON-RPC; the simulation carries them in memory.
/// </summary>
/// <remarks>
/// <para>An exchange, started by A (the initiator) with B (the responder):</para>
/// <code>
/// A → B  {"summary":"&lt;22 chars&gt;"}                          Hello(book)
/// B → A  {"inSync":true}                                   summaries equal: done (steady state)
///    or  {"digest":{"&lt;nodeId&gt;":&lt;seq&gt;,…}}                     Answer(book, hello)
///        {"digest":{…},"from":"&lt;nodeId&gt;","to":"&lt;nodeId&gt;"}      a window, when B holds more than 4096 records
/// A → B  {"records":[&lt;record&gt;,…],"want":["&lt;nodeId&gt;",…]}        Continue(book, digest): what B lacks, what A lacks
/// B → A  {"records":[&lt;record&gt;,…]}                              Answer(book, offer): B merged A's, sends the wanted
///                                                          Continue(book, records): A merges; done
/// </code>
/// <para>
/// Limits (enforced by the parser, honoured by the builders): 512 KiB per message, 256 records and
/// 256 wanted ids per message, 4096 digest lines. Whatever does not fit goes in a later round. A
/// windowed digest covers node ids in [from, to) (from omitted = the start, to omitted = the end),
/// and A offers only records in that window; B picks a window at random, so every part of a large
/// book is compared within a few rounds, and neither side keeps state between messages.
/// </para>
/// <para>
/// A steady-state round costs one 36-byte hello and one 15-byte answer, whatever the size of the
/// directory. Records are in their wire form (see <see cref="DirectoryRecord"/>); each is checked by
/// the receiving book on its own. Neither side expires records here: the caller runs
/// <see cref="DirectoryBook.Expire"/> on its own schedule; expired records are not sent.
/// </para>
/// <para>
/// Summaries and digests compare sequences, not contents: should a publisher sign two different
/// records with one sequence (a cloned key, say), nodes may keep either until its next record.
/// Merging alone still agrees on one of them whatever the order (<see cref="DirectoryBook.Merge(DirectoryRecord, DateTimeOffset)"/>).
/// </para>
/// </remarks>
public static class DirectorySync
{
    /// <summary>The first message of an exchange.</summary>
    public static SyncStep Hello(DirectoryBook book) => new(SyncMessage.Hello(book.Summary()));

    /// <summary>The responder's turn: answers a hello or an offer. <paramref name="random"/> picks a digest window.</summary>
    public static SyncStep Answer(DirectoryBook book, JsonElement request, DateTimeOffset now, Random? random = null)
    {
        if (!SyncMessage.TryParse(request, out var message, out var error))
            return SyncStep.Failed(error);
        switch (message.Kind)
        {
            case SyncMessageKind.Hello:
                return new(message.Summary == book.Summary() ? SyncMessage.InSync() : DigestWindow(book, random ?? Random.Shared));
            case SyncMessageKind.Offer:
                var (accepted, refused) = MergeAll(book, message.Records, now);
                var wanted = message.Want.Select(book.Find).OfType<DirectoryRecord>().Where(r => !r.IsExpired(now));
                return new(SyncMessage.RecordsOf(wanted), accepted, refused);
            default:
                return SyncStep.Failed($"a directory request must be a hello or an offer, not {message.Kind}");
        }
    }

    /// <summary>The initiator's turn: continues from the responder's answer, or ends the exchange.</summary>
    public static SyncStep Continue(DirectoryBook book, JsonElement reply, DateTimeOffset now)
    {
        if (!SyncMessage.TryParse(reply, out var message, out var error))
            return SyncStep.Failed(error);
        switch (message.Kind)
        {
            case SyncMessageKind.InSync:
                return new(null);
            case SyncMessageKind.Digest:
                var theirs = message.Digest;
                var offer = book.Newer(theirs).Where(r => message.Covers(r.NodeId) && !r.IsExpired(now)).ToList();
                var want = book.Wanted(theirs);
                return offer.Count == 0 && want.Count == 0 ? new(null) : new(SyncMessage.Offer(offer, want));
            case SyncMessageKind.Records:
                var (accepted, refused) = MergeAll(book, message.Records, now);
                return new(null, accepted, refused);
            default:
                return SyncStep.Failed($"a directory answer must be inSync, a digest or records, not {message.Kind}");
        }
    }

    private static JsonObject DigestWindow(DirectoryBook book, Random random)
    {
        var records = book.Records;
        if (records.Count <= SyncMessage.MaxDigestEntries)
            return SyncMessage.DigestOf(records.Select(r => new DigestEntry(r.NodeId, r.Sequence)));
        var chunks = (records.Count + SyncMessage.MaxDigestEntries - 1) / SyncMessage.MaxDigestEntries;
        var start = random.Next(chunks) * SyncMessage.MaxDigestEntries;
        var end = Math.Min(start + SyncMessage.MaxDigestEntries, records.Count);
        var lines = Enumerable.Range(start, end - start).Select(i => new DigestEntry(records[i].NodeId, records[i].Sequence));
        return SyncMessage.DigestOf(lines, start == 0 ? "" : records[start].NodeId, end == records.Count ? null : records[end].NodeId);
    }

    private static (int Accepted, int Refused) MergeAll(DirectoryBook book, IReadOnlyList<JsonElement> records, DateTimeOffset now)
    {
        int accepted = 0, refused = 0;
        foreach (var json in records)
        {
            var result = book.Merge(json, now);
            if (result.Accepted)
                accepted++;
            else if (result.Outcome == MergeOutcome.Rejected)
                refused++;
        }
        return (accepted, refused);
    }
}
