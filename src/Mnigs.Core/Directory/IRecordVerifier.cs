namespace Mnigs.Core.Directory;

/// <summary>
/// Checks an Ed25519 signature under the public key that <paramref name="nodeId"/> encodes (base64url,
/// 32 bytes). Core holds no crypto library: the daemon passes one (NSec), tests pass theirs.
/// Must return false, never throw, for a key that is not a valid Ed25519 point.
/// </summary>
public interface IRecordVerifier
{
    bool Verify(string nodeId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}
