using NSec.Cryptography;

namespace Mnigs.Tunnels.WireGuard;

/// <summary>Curve25519 key pairs in WireGuard's base64 form, made with libsodium (NSec), so no <c>wg genkey</c> is needed.</summary>
public static class WireGuardKeys
{
    private static readonly KeyAgreementAlgorithm X25519 = KeyAgreementAlgorithm.X25519;

    public static (string PrivateKey, string PublicKey) Create()
    {
        using var key = Key.Create(X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return (Convert.ToBase64String(key.Export(KeyBlobFormat.RawPrivateKey)),
                Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)));
    }

    public static string PublicKeyOf(string privateKey)
    {
        using var key = Key.Import(X25519, Convert.FromBase64String(privateKey), KeyBlobFormat.RawPrivateKey);
        return Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>A WireGuard key is 32 bytes in standard base64 (44 characters).</summary>
    public static bool IsValid(string? key)
    {
        if (key is null || key.Length != 44)
            return false;
        Span<byte> bytes = stackalloc byte[33];
        return Convert.TryFromBase64String(key, bytes, out var written) && written == 32;
    }

    /// <summary>Loads the gateway's key from <paramref name="path"/>, creating it (mode 0600) on first use.</summary>
    public static string LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (!IsValid(existing))
                throw new InvalidDataException($"WireGuard key file {path} does not hold a valid key");
            return existing;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var (privateKey, _) = Create();
        Platform.PrivateFile.Write(path, privateKey);
        return privateKey;
    }
}
