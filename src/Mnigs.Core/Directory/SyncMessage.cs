using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnigs.Core.Directory;

/// <summary>
/// The directory exchange's messages: builders (JSON objects for the RPC layer) and a strict parser
/// that never throws. Shapes, limits and the exchange itself are described on <see cref="DirectorySync"/>.
/// </summary>
/// <remarks>
/// A parsed message keeps its records as <see cref="JsonElement"/>s so that the book parses and
/// counts each one (a bad record is the sender's record refused, not the whole message); they live
/// as long as the <see cref="JsonDocument"/> the message was read from.
/// </remarks>
public sealed class SyncMessage
{
    /// <summary>The most a message may take on the wire, in UTF-8 bytes.</summary>
    public const int MaxBytes = 512 * 1024;

    /// <summary>The most records a message carries; further ones go in the next round.</summary>
    public const int MaxRecords = 256;

    /// <summary>The most node ids an offer asks for (a reply carries at most <see cref="MaxRecords"/> anyway).</summary>
    public const int MaxWanted = MaxRecords;

    /// <summary>The most digest lines a message carries; a larger book answers with a window of its digest.</summary>
    public const int MaxDigestEntries = 4096;

    /// <summary>
    /// The builders stop adding records at this many bytes (counted in the compact form): half the
    /// message limit, leaving room for a serializer that escapes non-ASCII characters.
    /// </summary>
    public const int RecordBudgetBytes = MaxBytes / 2;

    private SyncMessage(SyncMessageKind kind) => Kind = kind;

    public SyncMessageKind Kind { get; }

    /// <summary>The sender's <see cref="DirectoryBook.Summary"/> (hello).</summary>
    public string Summary { get; private init; } = "";

    /// <summary>The responder's digest: node id → sequence.</summary>
    public IReadOnlyDictionary<string, long> Digest { get; private init; } = new Dictionary<string, long>();

    /// <summary>
    /// A windowed digest covers the node ids from <see cref="From"/> (inclusive; "" = the first)
    /// up to <see cref="To"/> (exclusive; null = past the last). A whole digest is "" to null.
    /// </summary>
    public string From { get; private init; } = "";

    public string? To { get; private init; }

    /// <summary>Records in their wire form (offer, records).</summary>
    public IReadOnlyList<JsonElement> Records { get; private init; } = [];

    /// <summary>Node ids the initiator asks for (offer).</summary>
    public IReadOnlyList<string> Want { get; private init; } = [];

    /// <summary>Whether <paramref name="nodeId"/> falls in the digest's window.</summary>
    public bool Covers(string nodeId) =>
        string.CompareOrdinal(nodeId, From) >= 0 && (To is null || string.CompareOrdinal(nodeId, To) < 0);

    public static JsonObject Hello(string summary) => new() { ["summary"] = summary };

    public static JsonObject InSync() => new() { ["inSync"] = true };

    /// <summary>A digest (at most <see cref="MaxDigestEntries"/> lines), with its window when it is not the whole book.</summary>
    public static JsonObject DigestOf(IEnumerable<DigestEntry> entries, string from = "", string? to = null)
    {
        var digest = new JsonObject();
        foreach (var e in entries.Take(MaxDigestEntries))
            digest[e.NodeId] = e.Sequence;
        var message = new JsonObject { ["digest"] = digest };
        if (from.Length > 0)
            message["from"] = from;
        if (to is not null)
            message["to"] = to;
        return message;
    }

    /// <summary>An offer: as many of <paramref name="records"/> as fit (the rest wait for the next round), and the ids wanted.</summary>
    public static JsonObject Offer(IEnumerable<DirectoryRecord> records, IEnumerable<string> want)
    {
        var wanted = new JsonArray();
        foreach (var id in want.Take(MaxWanted))
            wanted.Add((JsonNode)JsonValue.Create(id));
        return new JsonObject { ["records"] = Fitting(records), ["want"] = wanted };
    }

    /// <summary>A reply with as many of <paramref name="records"/> as fit.</summary>
    public static JsonObject RecordsOf(IEnumerable<DirectoryRecord> records) => new() { ["records"] = Fitting(records) };

    /// <summary>Reads one message. Properties other than the ones of its kind are ignored (an RPC result adds "success").</summary>
    public static bool TryParse(JsonElement json, [NotNullWhen(true)] out SyncMessage? message, out string error)
    {
        message = null;
        try
        {
            error = Read(json, out message) ?? "";
        }
        catch (InvalidOperationException)
        {
            error = "a string is not valid Unicode";
        }
        return message is not null;
    }

    private static string? Read(JsonElement json, out SyncMessage? message)
    {
        message = null;
        if (json.ValueKind != JsonValueKind.Object)
            return "a directory message must be a JSON object";
        if (JsonMarshal.GetRawUtf8Value(json).Length > MaxBytes)
            return $"a directory message may not exceed {MaxBytes} bytes";

        if (json.TryGetProperty("inSync", out var inSync))
        {
            if (inSync.ValueKind != JsonValueKind.True)
                return "inSync must be true";
            message = new SyncMessage(SyncMessageKind.InSync);
            return null;
        }
        if (json.TryGetProperty("digest", out var digest))
            return ReadDigest(json, digest, out message);
        if (json.TryGetProperty("want", out var want))
        {
            if (want.ValueKind != JsonValueKind.Array)
                return "want must be an array of node ids";
            if (want.GetArrayLength() > MaxWanted)
                return $"want may list at most {MaxWanted} node ids";
            var ids = new List<string>();
            foreach (var id in want.EnumerateArray())
            {
                if (id.ValueKind != JsonValueKind.String || !DirectoryRecord.IsNodeId(id.GetString()))
                    return "want must list node ids";
                ids.Add(id.GetString()!);
            }
            var offered = json.TryGetProperty("records", out var r) ? r : default;
            if (ReadRecords(offered, optional: true, out var records) is { } bad)
                return bad;
            message = new SyncMessage(SyncMessageKind.Offer) { Want = ids, Records = records };
            return null;
        }
        if (json.TryGetProperty("records", out var sent))
        {
            if (ReadRecords(sent, optional: false, out var records) is { } bad)
                return bad;
            message = new SyncMessage(SyncMessageKind.Records) { Records = records };
            return null;
        }
        if (json.TryGetProperty("summary", out var summary))
        {
            if (summary.ValueKind != JsonValueKind.String || summary.GetString()!.Length is 0 or > 64)
                return "summary must be a string of at most 64 characters";
            message = new SyncMessage(SyncMessageKind.Hello) { Summary = summary.GetString()! };
            return null;
        }
        return "not a directory message: expected summary, inSync, digest, records or want";
    }

    private static string? ReadDigest(JsonElement json, JsonElement digest, out SyncMessage? message)
    {
        message = null;
        if (digest.ValueKind != JsonValueKind.Object)
            return "digest must be an object of node id to sequence";
        var entries = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in digest.EnumerateObject())
        {
            if (entries.Count == MaxDigestEntries)
                return $"a digest may hold at most {MaxDigestEntries} lines";
            var id = line.Name;
            if (line.Value.ValueKind != JsonValueKind.Number || !line.Value.TryGetInt64(out var seq) || seq is < 1 or > DirectoryRecord.MaxSequence)
                return "digest values must be sequences";
            if (!DirectoryRecord.IsNodeId(id) || !entries.TryAdd(id, seq))
                return "digest keys must be distinct node ids";
        }
        var from = "";
        string? to = null;
        if (json.TryGetProperty("from", out var f))
        {
            if (f.ValueKind != JsonValueKind.String || !DirectoryRecord.IsNodeId(f.GetString()))
                return "from must be a node id";
            from = f.GetString()!;
        }
        if (json.TryGetProperty("to", out var t))
        {
            if (t.ValueKind != JsonValueKind.String || !DirectoryRecord.IsNodeId(t.GetString()))
                return "to must be a node id";
            to = t.GetString()!;
        }
        if (to is not null && string.CompareOrdinal(from, to) >= 0)
            return "from must come before to";
        var parsed = new SyncMessage(SyncMessageKind.Digest) { Digest = entries, From = from, To = to };
        if (entries.Keys.Any(id => !parsed.Covers(id)))
            return "a digest line lies outside its window";
        message = parsed;
        return null;
    }

    private static string? ReadRecords(JsonElement records, bool optional, out IReadOnlyList<JsonElement> list)
    {
        list = [];
        if (optional && records.ValueKind == JsonValueKind.Undefined)
            return null;
        if (records.ValueKind != JsonValueKind.Array)
            return "records must be an array";
        if (records.GetArrayLength() > MaxRecords)
            return $"a message may carry at most {MaxRecords} records";
        list = [.. records.EnumerateArray()];
        return null;
    }

    private static JsonArray Fitting(IEnumerable<DirectoryRecord> records)
    {
        var array = new JsonArray();
        var bytes = 0;
        foreach (var r in records)
        {
            if (array.Count == MaxRecords || bytes + r.Size > RecordBudgetBytes)
                break;
            array.Add((JsonNode)r.ToJson());
            bytes += r.Size;
        }
        return array;
    }
}
