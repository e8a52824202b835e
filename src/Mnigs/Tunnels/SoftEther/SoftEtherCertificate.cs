using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// The gateway's SoftEther server certificate: RSA 2048, self-signed, made once and kept (PEM, readable by root only)
/// so that subscribers, which pin the certificate the gateway's reply names, can reconnect after a restart.
/// <see cref="PrivateKey"/> is a secret: it goes only into the server's configuration file.
/// </summary>
public sealed class SoftEtherCertificate
{
    private SoftEtherCertificate(byte[] certificate, byte[] privateKey)
    {
        Certificate = certificate;
        PrivateKey = privateKey;
    }

    /// <summary>DER.</summary>
    public byte[] Certificate { get; }

    /// <summary>PKCS#1 DER, as SoftEther keeps it.</summary>
    public byte[] PrivateKey { get; }

    /// <summary>The certificate as PEM, sent to subscribers.</summary>
    public string CertificatePem => PemEncoding.WriteString("CERTIFICATE", Certificate);

    public static SoftEtherCertificate LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path);
            using var stored = X509Certificate2.CreateFromPem(text, text);
            using var rsa = stored.GetRSAPrivateKey() ?? throw new InvalidDataException($"{path} holds no RSA key");
            return new SoftEtherCertificate(stored.RawData, rsa.ExportRSAPrivateKey());
        }
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=mnigs softether gateway", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));
        var made = new SoftEtherCertificate(certificate.RawData, key.ExportRSAPrivateKey());
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using (var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options))
            writer.Write(made.CertificatePem + "\n" + PemEncoding.WriteString("RSA PRIVATE KEY", made.PrivateKey) + "\n");
        return made;
    }

    /// <summary>Whether <paramref name="pem"/> is one X.509 certificate in PEM.</summary>
    public static bool IsCertificatePem(string? pem)
    {
        if (pem is null || pem.Length > 16384)
            return false;
        try
        {
            using var parsed = X509Certificate2.CreateFromPem(pem);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
