using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

public sealed class OpenVpnKeysTests
{
    [Fact]
    public void A_new_key_is_P256_in_PEM_and_its_public_key_matches()
    {
        var (privateKey, publicKey) = OpenVpnKeys.Create();

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", privateKey);
        Assert.Equal(publicKey, OpenVpnKeys.PublicKeyOf(privateKey));
        Assert.NotNull(OpenVpnKeys.ParsePublicKey(publicKey));
        Assert.Equal(124, publicKey.Length);
        Assert.NotEqual(publicKey, OpenVpnKeys.Create().PublicKey);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64 at all")]
    [InlineData("AAAA")]
    public void Anything_but_a_P256_public_key_is_not_one(string? text) => Assert.Null(OpenVpnKeys.ParsePublicKey(text));

    [Fact]
    public void Other_curves_RSA_keys_trailing_bytes_and_oversized_text_are_not_P256_public_keys()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        var good = Convert.FromBase64String(OpenVpnKeys.Create().PublicKey);

        Assert.Null(OpenVpnKeys.ParsePublicKey(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())));
        Assert.Null(OpenVpnKeys.ParsePublicKey(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())));
        Assert.Null(OpenVpnKeys.ParsePublicKey(Convert.ToBase64String([.. good, 0])));
        Assert.Null(OpenVpnKeys.ParsePublicKey(new string('A', OpenVpnKeys.MaxPublicKeyLength + 4)));
        Assert.Null(OpenVpnKeys.PublicKeyOf(p384.ExportPkcs8PrivateKeyPem()));
        Assert.Null(OpenVpnKeys.PublicKeyOf("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----"));
    }

    [Fact]
    public void The_fingerprint_is_the_SHA256_of_the_certificate_in_OpenVPNs_form()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));

        var fingerprint = OpenVpnKeys.Fingerprint(certificate);

        Assert.Equal(95, fingerprint.Length);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.RawData)), fingerprint.Replace(":", ""));
        Assert.True(OpenVpnKeys.IsFingerprint(fingerprint));
        Assert.True(OpenVpnKeys.SameFingerprint(fingerprint, fingerprint.ToLowerInvariant()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("3D:28:45")]
    [InlineData("3D2845CD375B4516A483E716EFBADC20850B86BF9D442B5822D1EB0702AC1B79")]
    [InlineData("3D:28:45:CD:37:5B:45:16:A4:83:E7:16:EF:BA:DC:20:85:0B:86:BF:9D:44:2B:58:22:D1:EB:07:02:AC:1B:7G")]
    [InlineData("3D:28:45:CD:37:5B:45:16:A4:83:E7:16:EF:BA:DC:20:85:0B:86:BF:9D:44:2B:58:22:D1:EB:07:02:AC:1B:79\n")]
    [InlineData("3D:28:45:CD:37:5B:45:16:A4:83:E7:16:EF:BA:DC:20:85:0B:86:BF:9D:44:2B:58:22:D1:EB:07:02:AC:1B:79:00")]
    public void Only_32_colon_separated_hex_pairs_are_a_fingerprint(string? text)
    {
        Assert.False(OpenVpnKeys.IsFingerprint(text));
        Assert.False(OpenVpnKeys.SameFingerprint(text, text));
    }

    [Fact]
    public void A_certificate_is_read_back_alone_with_the_key_it_is_for()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var pem = certificate.ExportCertificatePem();

        var read = OpenVpnKeys.ReadCertificate("garbage before\n" + pem + "\n<extra stuff>\n");

        Assert.NotNull(read);
        Assert.Equal(pem, read.Value.Pem);
        Assert.Equal(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), read.Value.PublicKey);
        Assert.Null(OpenVpnKeys.ReadCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"));
    }
}
