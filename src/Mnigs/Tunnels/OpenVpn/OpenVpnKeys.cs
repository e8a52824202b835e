using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// The keys and fingerprints the openvpn tunnel deals in: EC P-256 keys (what OpenVPN 2.6 with OpenSSL 3 handles
/// everywhere), public keys as base64 SubjectPublicKeyInfo, certificates in PEM, and SHA-256 certificate fingerprints
/// in OpenVPN's <c>AA:BB:…</c> form (<c>--peer-fingerprint</c>, the <c>tls_digest_sha256_0</c> of its management
/// interface). Made with System.Security.Cryptography, so no openssl command is needed.
/// </summary>
public static partial class OpenVpnKeys
{
    /// <summary>OID of the NIST P-256 curve (secp256r1, prime256v1).</summary>
    private const string P256 = "1.2.840.10045.3.1.7";

    /// <summary>Longest base64 public key accepted from a subscriber (a P-256 SubjectPublicKeyInfo is 124 characters).</summary>
    public const int MaxPublicKeyLength = 256;

    /// <summary>A fresh key pair: the private key in PKCS#8 PEM (a secret) and the public key as base64 SubjectPublicKeyInfo.</summary>
    public static (string PrivateKeyPem, string PublicKey) Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKeyPem(), Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The public key (base64 SubjectPublicKeyInfo) of a private key in PEM; null when it is not a P-256 key.</summary>
    public static string? PublicKeyOf(string privateKeyPem)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(privateKeyPem);
            return IsP256(key) ? Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()) : null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The DER SubjectPublicKeyInfo of <paramref name="publicKey"/> when it is a base64 P-256 public key and nothing
    /// else (no trailing bytes), else null.
    /// </summary>
    public static byte[]? ParsePublicKey(string? publicKey)
    {
        if (publicKey is null || publicKey.Length is 0 or > MaxPublicKeyLength)
            return null;
        var der = new byte[MaxPublicKeyLength];
        if (!Convert.TryFromBase64String(publicKey, der, out var length))
            return null;
        der = der[..length];
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(der, out var read);
            return read == der.Length && IsP256(key) ? der : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// The certificate in <paramref name="pem"/> written out again (its first certificate, nothing else of the text) and
    /// the public key it is for (base64 SubjectPublicKeyInfo); null when it holds no P-256 certificate.
    /// </summary>
    public static (string Pem, string PublicKey)? ReadCertificate(string pem)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            using var key = certificate.GetECDsaPublicKey();
            return key is not null && IsP256(key) ? (certificate.ExportCertificatePem(), Convert.ToBase64String(key.ExportSubjectPublicKeyInfo())) : null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>SHA-256 of the certificate's DER, as OpenVPN writes it for <c>--peer-fingerprint</c>: <c>AA:BB:…</c>, 95 characters.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.RawData)).Chunk(2).Select(pair => new string(pair)).Aggregate((a, b) => a + ":" + b);

    /// <summary>Whether <paramref name="text"/> is a SHA-256 fingerprint in OpenVPN's form (either case).</summary>
    public static bool IsFingerprint(string? text) => text is not null && FingerprintShape().IsMatch(text);

    /// <summary>Two fingerprints name the same certificate (OpenVPN prints them in lower case, <c>--peer-fingerprint</c> takes either).</summary>
    public static bool SameFingerprint(string? a, string? b) =>
        IsFingerprint(a) && IsFingerprint(b) && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool IsP256(ECDsa key) => key.ExportParameters(false).Curve.Oid?.Value == P256;

    [GeneratedRegex(@"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}\z")]
    private static partial Regex FingerprintShape();
}
