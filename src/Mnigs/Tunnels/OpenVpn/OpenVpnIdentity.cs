using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// The gateway's OpenVPN identity: an EC P-256 key and a self-signed certificate, made once and kept under the state
/// directory (0600) so subscribers' pinned fingerprint and the sessions' certificates survive restarts. The certificate
/// is the server's own and the one authority its <c>--ca</c> trusts: each session's certificate is signed with this key
/// (see <see cref="Issue"/>). There is no CA to run: nothing but this daemon ever signs, and a certificate only
/// admits a client while its session lives (the management interface checks every connection).
/// </summary>
public sealed class OpenVpnIdentity : IDisposable
{
    /// <summary>How long an issued certificate is valid. Sessions end it long before: admission checks the live sessions.</summary>
    private static readonly TimeSpan IssuedValidity = TimeSpan.FromDays(3650);

    /// <summary>Clock skew tolerated between gateway and subscriber.</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    private readonly ECDsa _key;
    private readonly X509Certificate2 _certificate;
    /// <summary>Requests are admitted concurrently; one signature at a time with the one key.</summary>
    private readonly Lock _signing = new();

    private OpenVpnIdentity(ECDsa key, X509Certificate2 certificate, string keyPath, string certificatePath)
    {
        _key = key;
        _certificate = certificate;
        KeyPath = keyPath;
        CertificatePath = certificatePath;
        Fingerprint = OpenVpnKeys.Fingerprint(certificate);
        PublicKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The private key's file (PKCS#8 PEM, 0600), for openvpn's <c>--key</c>.</summary>
    public string KeyPath { get; }

    /// <summary>The certificate's file (PEM), for openvpn's <c>--cert</c> and <c>--ca</c>.</summary>
    public string CertificatePath { get; }

    /// <summary>What subscribers pin with <c>--peer-fingerprint</c>.</summary>
    public string Fingerprint { get; }

    /// <summary>The gateway's public key (base64 SubjectPublicKeyInfo), which no subscriber may present as its own.</summary>
    public string PublicKey { get; }

    /// <summary>Loads the identity from <paramref name="directory"/>, creating the key and certificate there on first use.</summary>
    public static OpenVpnIdentity LoadOrCreate(string directory, TimeProvider time)
    {
        var keyPath = Path.Combine(directory, "gateway.key");
        var certificatePath = Path.Combine(directory, "gateway.crt");
        if (File.Exists(keyPath) && File.Exists(certificatePath))
            return Load(keyPath, certificatePath);

        OpenVpnFiles.CreatePrivateDirectory(directory);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A CA (it signs the sessions' certificates) without an extended key usage: OpenSSL holds a CA's EKU against
        // every certificate below it, and serverAuth alone would make it refuse the clients' ones.
        var request = new CertificateRequest("CN=mnigs-gateway", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var made = request.CreateSelfSigned(now - Backdate, now.AddYears(30));
        // Written key first: a crash between the two leaves no certificate, so the next start makes both again.
        OpenVpnFiles.WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        OpenVpnFiles.WritePrivate(certificatePath, made.ExportCertificatePem());
        key.Dispose();
        return Load(keyPath, certificatePath);
    }

    private static OpenVpnIdentity Load(string keyPath, string certificatePath)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(keyPath));
            var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
            using var certified = certificate.GetECDsaPublicKey();
            if (certified is null || !certified.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                certificate.Dispose();
                throw new InvalidDataException($"OpenVPN certificate {certificatePath} is not for the key in {keyPath}; remove both to make new ones");
            }
            return new OpenVpnIdentity(key, certificate, keyPath, certificatePath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidDataException($"OpenVPN key {keyPath} or certificate {certificatePath} cannot be read ({e.Message}); remove both to make new ones", e);
        }
    }

    /// <summary>
    /// A certificate for one session: the subscriber's public key (DER SubjectPublicKeyInfo, see
    /// <see cref="OpenVpnKeys.ParsePublicKey"/>), a common name of its own that names the session in openvpn's status,
    /// a random serial, client use only, signed by the gateway's key.
    /// </summary>
    public IssuedCertificate Issue(byte[] subscriberPublicKey, TimeProvider time)
    {
        var commonName = "mnigs-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var publicKey = System.Security.Cryptography.X509Certificates.PublicKey.CreateFromSubjectPublicKeyInfo(subscriberPublicKey, out _);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        var now = time.GetUtcNow();
        lock (_signing)
        {
            using var issued = request.Create(_certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key),
                now - Backdate, now + IssuedValidity, serial);
            return new IssuedCertificate(issued.ExportCertificatePem(), OpenVpnKeys.Fingerprint(issued), commonName);
        }
    }

    public void Dispose()
    {
        _key.Dispose();
        _certificate.Dispose();
    }
}

