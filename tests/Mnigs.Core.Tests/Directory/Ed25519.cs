using System.Buffers.Text;
using Mnigs.Core.Directory;
using NSec.Cryptography;

namespace Mnigs.Core.Tests.Directory;

/// <summary>A real Ed25519 key (NSec), made from a fixed seed so that tests are repeatable.</summary>
internal sealed class TestKey : IRecordSigner
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    public TestKey(byte seed)
    {
        var privateKey = new byte[32];
        Array.Fill(privateKey, seed);
        _key = Key.Import(Algorithm, privateKey, KeyBlobFormat.RawPrivateKey);
        NodeId = Base64Url.EncodeToString(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string NodeId { get; }

    public byte[] Sign(ReadOnlySpan<byte> data) => Algorithm.Sign(_key, data);
}

/// <summary>Checks Ed25519 signatures under the key a node id encodes.</summary>
internal sealed class Ed25519Verifier : IRecordVerifier
{
    public static readonly Ed25519Verifier Instance = new();

    public int Calls { get; private set; }

    public bool Verify(string nodeId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        Calls++;
        var raw = Base64Url.DecodeFromChars(nodeId);
        return PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var key)
            && SignatureAlgorithm.Ed25519.Verify(key!, data, signature);
    }
}
