using System.Buffers.Text;
using System.Security.Cryptography;
using Mnigs.Core.Directory;

namespace Mnigs.Core.Tests.Directory;

/// <summary>
/// A stand-in key for tests that need thousands of nodes: the "signature" is SHA-512 of the key
/// and the data, which <see cref="HashVerifier"/> recomputes. It exercises the same paths as
/// Ed25519 in a fraction of the time, and proves nothing about cryptography.
/// </summary>
internal sealed class HashKey : IRecordSigner
{
    public HashKey(int n)
    {
        var key = SHA256.HashData(BitConverter.GetBytes(n));
        NodeId = Base64Url.EncodeToString(key);
    }

    public string NodeId { get; }

    public byte[] Sign(ReadOnlySpan<byte> data) => HashVerifier.Expected(NodeId, data);
}

internal sealed class HashVerifier : IRecordVerifier
{
    public static readonly HashVerifier Instance = new();

    public static byte[] Expected(string nodeId, ReadOnlySpan<byte> data) =>
        SHA512.HashData([.. Base64Url.DecodeFromChars(nodeId), .. data]);

    public bool Verify(string nodeId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.SequenceEqual(Expected(nodeId, data));
}
