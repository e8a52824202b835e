using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Mnigs.Store;

/// <summary>
/// This node's Ed25519 identity (NSec over libsodium). The key file holds the raw 32-byte private
/// key, created 0600 on first start. <see cref="NodeId"/> is the base64url public key (no padding)
/// that directory records are signed under. The private key never leaves this object: it is not
/// exportable once loaded and no member returns it.
/// </summary>
public sealed class NodeKey : IDisposable
{
    private const int PrivateKeySize = 32;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    private readonly Key _key;

    private NodeKey(Key key, string? warning)
    {
        _key = key;
        NodeId = Base64Url.EncodeToString(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        Warning = warning;
    }

    /// <summary>Base64url (no padding) of the 32-byte public key; 43 characters.</summary>
    public string NodeId { get; }

    /// <summary>Something the operator should fix (e.g. a key file others can read), or null.</summary>
    public string? Warning { get; }

    /// <summary>
    /// Loads the key from <paramref name="path"/>, or creates it there (directory 0700, file 0600)
    /// when the file does not exist. Throws <see cref="InvalidDataException"/> with a plain message
    /// when the file is not a key.
    /// </summary>
    public static NodeKey LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
            TryCreate(path);
        return Load(path);
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => Algorithm.Sign(_key, data);

    /// <summary>True when <paramref name="signature"/> is <paramref name="nodeId"/>'s signature of <paramref name="data"/>.</summary>
    public static bool Verify(string nodeId, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Algorithm.SignatureSize || !TryParseNodeId(nodeId, out var publicKeyBytes))
            return false;
        if (!PublicKey.TryImport(Algorithm, publicKeyBytes, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
            return false;
        return Algorithm.Verify(publicKey, data, signature);
    }

    /// <summary>
    /// Decodes a node id to its 32 public-key bytes. Only the canonical spelling is accepted, so one
    /// key has exactly one node id.
    /// </summary>
    public static bool TryParseNodeId(string? nodeId, out byte[] publicKey)
    {
        publicKey = [];
        if (nodeId is null || nodeId.Length != Base64Url.GetEncodedLength(PrivateKeySize))
            return false;
        var bytes = new byte[PrivateKeySize];
        // Not TryDecodeFromChars: it throws FormatException on non-zero trailing bits instead of returning false.
        if (Base64Url.DecodeFromChars(nodeId, bytes, out _, out var written) != OperationStatus.Done || written != bytes.Length)
            return false;
        if (!string.Equals(Base64Url.EncodeToString(bytes), nodeId, StringComparison.Ordinal))
            return false;
        publicKey = bytes;
        return true;
    }

    public override string ToString() => $"NodeKey {NodeId}";

    public void Dispose() => _key.Dispose();

    private static void TryCreate(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);

        // Written beside the final name and renamed into place, so a crash never leaves a torn key.
        // The mode is given at creation: the secret is never in a file others could open.
        var temporary = path + ".new";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile };

        var seed = new byte[PrivateKeySize];
        try
        {
            RandomNumberGenerator.Fill(seed);
            using (var file = new FileStream(temporary, options))
            {
                file.Write(seed);
                file.Flush(flushToDisk: true);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created the key first; use that one.
            File.Delete(temporary);
        }
    }

    private static NodeKey Load(string path)
    {
        string? warning = null;
        if ((File.GetUnixFileMode(path) & GroupOrOthers) != 0)
            warning = $"The node key file {path} can be read by other users; run: chmod 600 {path}";

        var seed = new byte[PrivateKeySize];
        try
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read))
            {
                if (file.Length != PrivateKeySize)
                    throw new InvalidDataException(
                        $"The node key file {path} is not an Ed25519 private key ({file.Length} bytes, expected {PrivateKeySize}). " +
                        "Restore it from a backup, or move it away to start with a new node id.");
                file.ReadExactly(seed);
            }
            var key = Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey,
                new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });
            return new NodeKey(key, warning);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }
}
