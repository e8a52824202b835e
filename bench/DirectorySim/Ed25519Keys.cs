using System.Buffers.Text;
using System.Diagnostics;
using Mnigs.Core.Directory;
using NSec.Cryptography;

namespace DirectorySim;

/// <summary>A gateway's real Ed25519 key (NSec), as the daemon's NodeKey holds it.</summary>
internal sealed class GatewayKey : IRecordSigner
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key = Key.Create(Algorithm);

    public GatewayKey() => NodeId = Base64Url.EncodeToString(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    public string NodeId { get; }

    public byte[] Sign(ReadOnlySpan<byte> data) => Algorithm.Sign(_key, data);
}

/// <summary>
/// Real Ed25519 verification (NSec), optionally remembered per (signature, signed bytes). The simulation shares one memory among all its nodes, so each distinct record is
/// verified for real once and every later check is a lookup with the same answer; a daemon would
/// keep the same memory for itself. <see cref="Requested"/> counts the checks the books asked for,
/// which is what each node would pay without the memory.
/// </summary>
internal sealed class Ed25519Verifier(bool remember) : IRecordVerifier
{
    // Signature → (bytes signed, answer). An Ed25519 signature is unique to its message for all practical
    // purposes; the bytes are compared anyway, so a forgery reusing a signature gets its own real check.
    private readonly Dictionary<string, (byte[] Data, bool Ok)> _seen = new(StringComparer.Ordinal);

    private long _requested, _performed;

    public long Requested => Interlocked.Read(ref _requested);

    public long Performed => Interlocked.Read(ref _performed);

    /// <remarks>Called from the simulation's threads at once.</remarks>
    public bool Verify(string nodeId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Interlocked.Increment(ref _requested);
        if (!remember)
            return Check(nodeId, data, signature);
        var key = Base64Url.EncodeToString(signature);
        lock (_seen)
        {
            if (_seen.TryGetValue(key, out var seen) && seen.Data.AsSpan().SequenceEqual(data))
                return seen.Ok;
        }
        var ok = Check(nodeId, data, signature);
        lock (_seen)
            _seen[key] = (data.ToArray(), ok);
        return ok;
    }

    /// <summary>Microseconds one real verification takes on this machine.</summary>
    public static double MeasureMicroseconds(DirectoryRecord record)
    {
        var verifier = new Ed25519Verifier(remember: false);
        for (var i = 0; i < 200; i++)
            record.Verify(verifier);
        var clock = Stopwatch.StartNew();
        const int n = 2000;
        for (var i = 0; i < n; i++)
            record.Verify(verifier);
        return clock.Elapsed.TotalMicroseconds / n;
    }

    private bool Check(string nodeId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Interlocked.Increment(ref _performed);
        return PublicKey.TryImport(SignatureAlgorithm.Ed25519, Base64Url.DecodeFromChars(nodeId), KeyBlobFormat.RawPublicKey, out var key)
            && SignatureAlgorithm.Ed25519.Verify(key!, data, signature);
    }
}
