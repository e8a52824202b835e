using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mnigs.Core.Directory;

/// <summary>
/// The directory records this node holds, one per gateway, and the rules for taking a record in:
/// the highest sequence signed by the node's own key wins; forged, expired, too-long-lived and
/// malformed records are refused and counted. Merging is order-independent, so two nodes that saw
/// the same records in any order hold the same book. Not thread-safe: callers lock.
/// </summary>
public sealed class DirectoryBook
{
    private readonly Dictionary<string, DirectoryRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<RecordRejection, long> _rejections = [];
    private readonly IRecordVerifier _verifier;
    private DirectoryRecord[]? _sorted;
    private string? _summary;

    public DirectoryBook(IRecordVerifier verifier, DirectoryBookOptions? options = null)
    {
        _verifier = verifier;
        Options = options ?? new DirectoryBookOptions();
    }

    public DirectoryBookOptions Options { get; }

    public int Count => _records.Count;

    /// <summary>Records refused so far, per reason.</summary>
    public IReadOnlyDictionary<RecordRejection, long> Rejections => _rejections;

    /// <summary>Every record held, tombstones included, by node id (ordinal).</summary>
    public IReadOnlyList<DirectoryRecord> Records => _sorted ??= [.. _records.Values.OrderBy(r => r.NodeId, StringComparer.Ordinal)];

    public DirectoryRecord? Find(string nodeId) => _records.GetValueOrDefault(nodeId);

    /// <summary>Parses a record from a peer and merges it; a record that does not parse is counted like any other refusal.</summary>
    public MergeResult Merge(JsonElement json, DateTimeOffset now) =>
        DirectoryRecord.TryParse(json, out var record, out var why, out var error) ? Merge(record, now) : Refuse(why, error);

    public MergeResult Merge(DirectoryRecord record, DateTimeOffset now)
    {
        var nowSeconds = now.ToUnixTimeSeconds();
        if (record.ExpiresAt <= nowSeconds)
            return Refuse(RecordRejection.Expired, $"expired at {record.ExpiresAtTime:u}");
        var skew = (long)Options.ClockSkew.TotalSeconds;
        if (record.IssuedAt > nowSeconds + skew)
            return Refuse(RecordRejection.TooFarInFuture, $"issued in the future, at {record.IssuedAtTime:u}");
        if (record.ExpiresAt > nowSeconds + (long)Options.MaxLifetime.TotalSeconds + skew)
            return Refuse(RecordRejection.TooFarInFuture, $"valid until {record.ExpiresAtTime:u}, longer than {Options.MaxLifetime} from now");

        // Cheap comparisons first: an old or repeated record costs no signature check.
        var known = _records.GetValueOrDefault(record.NodeId);
        if (known is not null)
        {
            if (record.Sequence < known.Sequence)
                return new MergeResult(MergeOutcome.Stale);
            if (record.Sequence == known.Sequence && record.SameAs(known))
                return new MergeResult(MergeOutcome.Unchanged);
        }
        else if (_records.Count >= Options.MaxRecords)
        {
            Expire(now);
            if (_records.Count >= Options.MaxRecords)
                return Refuse(RecordRejection.BookFull, $"the directory holds {Options.MaxRecords} nodes already");
        }

        // The node id is the key, so only the node itself can sign a record that passes here: a record
        // for someone else's id signed by another key fails like a forgery.
        if (!record.Verify(_verifier))
            return Refuse(RecordRejection.BadSignature, "the signature does not match the node's key");

        // Two different records with one sequence mean the publisher signed twice; every node keeps the
        // same one of them (the greater signature) so that books still agree whatever the order.
        if (known is not null && record.Sequence == known.Sequence && string.CompareOrdinal(record.Signature, known.Signature) <= 0)
            return new MergeResult(MergeOutcome.Stale);

        _records[record.NodeId] = record;
        Changed();
        return new MergeResult(known is null ? MergeOutcome.Added : MergeOutcome.Updated);
    }

    /// <summary>Drops the records whose expiry has passed, tombstones included, and returns them.</summary>
    public IReadOnlyList<DirectoryRecord> Expire(DateTimeOffset now)
    {
        var expired = _records.Values.Where(r => r.IsExpired(now)).ToList();
        foreach (var r in expired)
            _records.Remove(r.NodeId);
        if (expired.Count > 0)
            Changed();
        return expired;
    }

    /// <summary>The gateways serving now: neither withdrawn nor expired.</summary>
    public IReadOnlyList<DirectoryRecord> Live(DateTimeOffset now) => [.. Records.Where(r => r.IsLive(now))];

    /// <summary>
    /// 16 bytes of SHA-256 over the sorted (node id, sequence) pairs, base64url: two nodes compare
    /// their whole directories with one 22-character value.
    /// </summary>
    public string Summary()
    {
        if (_summary is null)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> line = stackalloc byte[DirectoryRecord.NodeIdLength + 24];
            foreach (var r in Records)
            {
                var n = Encoding.ASCII.GetBytes(r.NodeId, line);
                line[n++] = (byte)' ';
                r.Sequence.TryFormat(line[n..], out var digits, default, CultureInfo.InvariantCulture);
                n += digits;
                line[n++] = (byte)'\n';
                hash.AppendData(line[..n]);
            }
            Span<byte> digest = stackalloc byte[32];
            hash.GetHashAndReset(digest);
            _summary = Base64Url.EncodeToString(digest[..16]);
        }
        return _summary;
    }

    /// <summary>(node id, sequence) of every record held, by node id.</summary>
    public IReadOnlyList<DigestEntry> Digest() => [.. Records.Select(r => new DigestEntry(r.NodeId, r.Sequence))];

    /// <summary>My records that the peer whose digest this is lacks or holds an older sequence of.</summary>
    public IReadOnlyList<DirectoryRecord> Newer(IEnumerable<DigestEntry> theirs) => Newer(ToMap(theirs));

    /// <inheritdoc cref="Newer(IEnumerable{DigestEntry})"/>
    public IReadOnlyList<DirectoryRecord> Newer(IReadOnlyDictionary<string, long> theirs) =>
        [.. Records.Where(r => !theirs.TryGetValue(r.NodeId, out var seq) || seq < r.Sequence)];

    /// <summary>The node ids in the peer's digest that I lack or hold an older sequence of, in order.</summary>
    public IReadOnlyList<string> Wanted(IEnumerable<DigestEntry> theirs) => Wanted(ToMap(theirs));

    /// <inheritdoc cref="Wanted(IEnumerable{DigestEntry})"/>
    public IReadOnlyList<string> Wanted(IReadOnlyDictionary<string, long> theirs) =>
        [.. theirs.Where(e => !_records.TryGetValue(e.Key, out var mine) || mine.Sequence < e.Value)
            .Select(e => e.Key).Order(StringComparer.Ordinal)];

    private static Dictionary<string, long> ToMap(IEnumerable<DigestEntry> entries)
    {
        var map = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in entries)
            map[e.NodeId] = Math.Max(e.Sequence, map.GetValueOrDefault(e.NodeId));
        return map;
    }

    private MergeResult Refuse(RecordRejection why, string error)
    {
        _rejections[why] = _rejections.GetValueOrDefault(why) + 1;
        return MergeResult.Refused(why, error);
    }

    private void Changed()
    {
        _sorted = null;
        _summary = null;
    }
}
