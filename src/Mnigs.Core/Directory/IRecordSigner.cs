namespace Mnigs.Core.Directory;

/// <summary>Signs this node's directory records with its Ed25519 key (the daemon's NodeKey; a test key in tests).</summary>
public interface IRecordSigner
{
    /// <summary>Base64url (no padding) of the 32-byte Ed25519 public key.</summary>
    string NodeId { get; }

    /// <summary>The 64-byte Ed25519 signature of <paramref name="data"/>.</summary>
    byte[] Sign(ReadOnlySpan<byte> data);
}
