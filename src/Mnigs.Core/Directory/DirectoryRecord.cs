using System.Buffers.Text;
using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Mnigs.Core.Directory;

/// <summary>
/// A gateway's signed advertisement in the directory: who it is (its Ed25519 public key), where it
/// answers, which suites it serves at what price, how busy it is. Immutable; made by
/// <see cref="Sign"/> on the gateway and by <see cref="TryParse(System.Text.Json.JsonElement, out DirectoryRecord?, out string)"/>
/// everywhere else, so every instance passed the same field rules.
/// </summary>
/// <remarks>
/// The signature covers <see cref="SignedBytes"/>: the ASCII context line
/// <c>mnigs-directory-record-v1</c> and a newline (so the node key's signature over a record can
/// never be taken for its signature over anything else), then the canonical JSON of every field
/// but the signature, in this order, with no whitespace:
/// <code>
/// {"nodeId":"…","name":"…","addresses":[{"network":"babel","address":"fd00::1"}],"rpcPort":65533,
///  "suites":[{"id":"babel-wireguard-free","priceMicros":0}],"load":2,"capacity":32,
///  "sequence":1767268800000,"issuedAt":1767268800,"expiresAt":1767270600,"withdrawn":false}
/// </code>
/// Strings escape only <c>"</c>, <c>\</c> and control characters; numbers are integers (prices in
/// micro-units, times in unix seconds). The wire form is the same object with
/// <c>"signature":"…"</c> last; a reader accepts the properties in any order because it rebuilds the
/// canonical bytes from the values.
/// </remarks>
public sealed partial class DirectoryRecord
{
    public const int MaxNameLength = 64;
    public const int MaxAddresses = 16;
    public const int MaxSuites = 64;
    public const int MaxLoad = 1_000_000;

    /// <summary>The compact wire form, signature included, may not exceed this many UTF-8 bytes.</summary>
    public const int MaxBytes = 4096;

    /// <summary>Sequences stay exact in every JSON reader (2^53 - 1); unix milliseconds reach it in the year 287,396.</summary>
    public const long MaxSequence = (1L << 53) - 1;

    public const int NodeIdLength = 43;
    public const int SignatureLength = 86;

    private const string SigningContext = "mnigs-directory-record-v1\n";

    // Past this no DateTimeOffset exists, and FromUnixTimeSeconds would throw.
    private const long MaxUnixSeconds = 253_402_300_799;

    // What the wire form adds to the canonical JSON: ,"signature":"<86 characters>" before its closing brace.
    private const int SignatureFieldBytes = 15 + SignatureLength;

    private readonly byte[] _signed;

    private DirectoryRecord(string nodeId, string name, ImmutableArray<GatewayAddress> addresses, int rpcPort,
        ImmutableArray<SuiteOffer> suites, int load, int capacity, long sequence, long issuedAt, long expiresAt,
        bool withdrawn, string signature)
    {
        NodeId = nodeId;
        Name = name;
        Addresses = addresses;
        RpcPort = rpcPort;
        Suites = suites;
        Load = load;
        Capacity = capacity;
        Sequence = sequence;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        Withdrawn = withdrawn;
        Signature = signature;
        _signed = WriteSigned();
    }

    /// <summary>Base64url, no padding, of the 32-byte Ed25519 public key the record is signed with.</summary>
    public string NodeId { get; }

    public string Name { get; }

    public ImmutableArray<GatewayAddress> Addresses { get; }

    public int RpcPort { get; }

    public ImmutableArray<SuiteOffer> Suites { get; }

    /// <summary>Sessions open when the record was issued.</summary>
    public int Load { get; }

    /// <summary>The most sessions the gateway accepts.</summary>
    public int Capacity { get; }

    /// <summary>Strictly increasing per node; the publisher uses unix milliseconds so it keeps rising across restarts.</summary>
    public long Sequence { get; }

    /// <summary>Unix seconds.</summary>
    public long IssuedAt { get; }

    /// <summary>Unix seconds; the record is dropped from then on.</summary>
    public long ExpiresAt { get; }

    /// <summary>
    /// The gateway stopped serving. The record stays, as a tombstone, until <see cref="ExpiresAt"/>
    /// so that replays of its older records are refused; the publisher gives it an expiry no earlier
    /// than that of any record it issued before.
    /// </summary>
    public bool Withdrawn { get; }

    /// <summary>Base64url, no padding, of the 64-byte Ed25519 signature over <see cref="SignedBytes"/>.</summary>
    public string Signature { get; }

    public DateTimeOffset IssuedAtTime => DateTimeOffset.FromUnixTimeSeconds(IssuedAt);

    public DateTimeOffset ExpiresAtTime => DateTimeOffset.FromUnixTimeSeconds(ExpiresAt);

    /// <summary>Size of the compact wire form in UTF-8 bytes (the length of <see cref="WireBytes"/>).</summary>
    public int Size => _signed.Length - SigningContext.Length + SignatureFieldBytes;

    /// <summary>The bytes the signature covers: the context line, then the canonical JSON.</summary>
    public ReadOnlySpan<byte> SignedBytes => _signed;

    /// <summary>The canonical JSON alone (what <see cref="SignedBytes"/> ends with).</summary>
    public ReadOnlySpan<byte> CanonicalJson => _signed.AsSpan(SigningContext.Length);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt <= now.ToUnixTimeSeconds();

    public bool IsLive(DateTimeOffset now) => !Withdrawn && !IsExpired(now);

    /// <summary>Withdrawn (or run out) by a record issued after <paramref name="since"/>, less five seconds
    /// of clock skew between the two nodes: what was seen of the gateway then no longer holds.</summary>
    public bool EndedSince(DateTimeOffset since, DateTimeOffset now) =>
        !IsLive(now) && IssuedAtTime >= since - TimeSpan.FromSeconds(5);

    /// <summary>Whether the signature is the node's own over these exact fields.</summary>
    public bool Verify(IRecordVerifier verifier)
    {
        // Every instance passed IsCanonicalBase64Url (parse) or was encoded here (sign): this decodes.
        Span<byte> signature = stackalloc byte[64];
        return Base64Url.TryDecodeFromChars(Signature, signature, out var written) && written == 64
            && verifier.Verify(NodeId, _signed, signature);
    }

    /// <summary>Same fields and same signature.</summary>
    public bool SameAs(DirectoryRecord other) =>
        ReferenceEquals(this, other) || (Signature == other.Signature && _signed.AsSpan().SequenceEqual(other._signed));

    /// <summary>
    /// Builds and signs a record. Invalid fields are the publisher's bug, not a peer's input, so
    /// they throw <see cref="ArgumentException"/> with the rule broken.
    /// </summary>
    public static DirectoryRecord Sign(IRecordSigner signer, string name, IEnumerable<GatewayAddress> addresses, int rpcPort,
        IEnumerable<SuiteOffer> suites, int load, int capacity, long sequence, DateTimeOffset issuedAt, DateTimeOffset expiresAt,
        bool withdrawn = false)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var addressList = addresses.ToImmutableArray();
        var suiteList = suites.ToImmutableArray();
        var issued = issuedAt.ToUnixTimeSeconds();
        var expires = expiresAt.ToUnixTimeSeconds();
        var problem = Problem(signer.NodeId, name, addressList, rpcPort, suiteList, load, capacity, sequence, issued, expires);
        if (problem is not null)
            throw new ArgumentException(problem);

        var unsigned = new DirectoryRecord(signer.NodeId, name, addressList, rpcPort, suiteList, load, capacity, sequence,
            issued, expires, withdrawn, new string('A', SignatureLength));
        var signature = signer.Sign(unsigned._signed);
        if (signature.Length != 64)
            throw new InvalidOperationException($"The signer returned {signature.Length} bytes, not a 64-byte Ed25519 signature");
        var record = new DirectoryRecord(signer.NodeId, name, addressList, rpcPort, suiteList, load, capacity, sequence,
            issued, expires, withdrawn, Base64Url.EncodeToString(signature));
        if (record.Size > MaxBytes)
            throw new ArgumentException($"The record takes {record.Size} bytes, more than {MaxBytes}: advertise fewer suites or addresses");
        return record;
    }

    /// <summary>Whether <paramref name="nodeId"/> is the canonical base64url of 32 bytes (the only spelling of a key).</summary>
    public static bool IsNodeId(string? nodeId) => IsCanonicalBase64Url(nodeId, NodeIdLength, 32);

    /// <summary>The wire form as a JSON object (for a sync message or an RPC result).</summary>
    public JsonObject ToJson()
    {
        var addresses = new JsonArray();
        foreach (var a in Addresses)
            addresses.Add((JsonNode)new JsonObject { ["network"] = a.Network, ["address"] = a.Address });
        var suites = new JsonArray();
        foreach (var s in Suites)
            suites.Add((JsonNode)new JsonObject { ["id"] = s.Id, ["priceMicros"] = s.PriceMicros });
        return new JsonObject
        {
            ["nodeId"] = NodeId,
            ["name"] = Name,
            ["addresses"] = addresses,
            ["rpcPort"] = RpcPort,
            ["suites"] = suites,
            ["load"] = Load,
            ["capacity"] = Capacity,
            ["sequence"] = Sequence,
            ["issuedAt"] = IssuedAt,
            ["expiresAt"] = ExpiresAt,
            ["withdrawn"] = Withdrawn,
            ["signature"] = Signature,
        };
    }

    /// <summary>The compact wire form in UTF-8, written with the canonical rules (what <see cref="Size"/> counts).</summary>
    /// <remarks>Not kept: a node holds many records and sends few.</remarks>
    public byte[] WireBytes() =>
        new CanonicalJsonWriter()
            .Bytes(CanonicalJson[..^1])
            .Name("signature").String(Signature)
            .Ascii("}")
            .ToArray();

    public override string ToString() => $"{Name} ({NodeId[..8]}… seq {Sequence}{(Withdrawn ? ", withdrawn" : "")})";

    private byte[] WriteSigned()
    {
        var w = new CanonicalJsonWriter().Ascii(SigningContext);
        w.Ascii("{").Name("nodeId", first: true).String(NodeId)
            .Name("name").String(Name)
            .Name("addresses").Ascii("[");
        for (var i = 0; i < Addresses.Length; i++)
            w.Ascii(i == 0 ? "{" : ",{").Name("network", first: true).String(Addresses[i].Network)
                .Name("address").String(Addresses[i].Address).Ascii("}");
        w.Ascii("]").Name("rpcPort").Number(RpcPort)
            .Name("suites").Ascii("[");
        for (var i = 0; i < Suites.Length; i++)
            w.Ascii(i == 0 ? "{" : ",{").Name("id", first: true).String(Suites[i].Id)
                .Name("priceMicros").Number(Suites[i].PriceMicros).Ascii("}");
        w.Ascii("]").Name("load").Number(Load)
            .Name("capacity").Number(Capacity)
            .Name("sequence").Number(Sequence)
            .Name("issuedAt").Number(IssuedAt)
            .Name("expiresAt").Number(ExpiresAt)
            .Name("withdrawn").Bool(Withdrawn)
            .Ascii("}");
        return w.ToArray();
    }

    private static string? Problem(string nodeId, string name, ImmutableArray<GatewayAddress> addresses, int rpcPort,
        ImmutableArray<SuiteOffer> suites, int load, int capacity, long sequence, long issuedAt, long expiresAt)
    {
        if (!IsNodeId(nodeId))
            return "nodeId must be the base64url (no padding) of a 32-byte key";
        if (name is null || name.Length > MaxNameLength || !RecordText.IsDisplayable(name))
            return $"name must be at most {MaxNameLength} characters, without control characters";
        if (addresses.Length > MaxAddresses)
            return $"at most {MaxAddresses} addresses";
        foreach (var a in addresses)
            if (a.Problem() is { } p)
                return p;
        for (var i = 1; i < addresses.Length; i++)
            if (addresses.AsSpan(0, i).Contains(addresses[i]))
                return "an address is listed twice";
        if (rpcPort is < 1 or > 65535)
            return "rpcPort must be 1-65535";
        if (suites.Length > MaxSuites)
            return $"at most {MaxSuites} suites";
        foreach (var s in suites)
            if (s.Problem() is { } p)
                return p;
        for (var i = 1; i < suites.Length; i++)
            for (var j = 0; j < i; j++)
                if (suites[i].Id == suites[j].Id)
                    return "a suite is listed twice";
        if (load is < 0 or > MaxLoad || capacity is < 0 or > MaxLoad)
            return $"load and capacity must be 0-{MaxLoad}";
        if (sequence is < 1 or > MaxSequence)
            return $"sequence must be 1-{MaxSequence}";
        if (issuedAt < 0 || expiresAt > MaxUnixSeconds || expiresAt <= issuedAt)
            return "expiresAt must come after issuedAt, both unix seconds";
        return null;
    }

    private static bool IsCanonicalBase64Url(string? text, int length, int bytes)
    {
        // Checked by hand: Base64Url.TryDecodeFromChars throws, rather than answering false, on a
        // character outside the alphabet or on spare bits set.
        if (text is null || text.Length != length || text.AsSpan().ContainsAnyExcept(RecordText.Base64UrlAlphabet))
            return false;
        // The last character carries spare bits; only the spelling with them zero is the key, so one
        // gateway cannot appear under two ids.
        var spareBits = length * 6 - bytes * 8;
        var last = text[^1] switch
        {
            >= 'A' and <= 'Z' and var c => c - 'A',
            >= 'a' and <= 'z' and var c => c - 'a' + 26,
            >= '0' and <= '9' and var c => c - '0' + 52,
            '-' => 62,
            _ => 63,
        };
        return (last & ((1 << spareBits) - 1)) == 0;
    }
}
