using Mnigs.Core.Directory;
using Mnigs.Store;

namespace Mnigs.Discovery;

/// <summary>Signs this node's directory records with its Ed25519 node key, and checks others' (NSec/libsodium).</summary>
public sealed class NodeKeyRecords(NodeKey key) : IRecordSigner, IRecordVerifier
{
    public string NodeId => key.NodeId;

    public byte[] Sign(ReadOnlySpan<byte> data) => key.Sign(data);

    public bool Verify(string nodeId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => NodeKey.Verify(nodeId, data, signature);
}
