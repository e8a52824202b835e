using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

public sealed class OpenVpnIdentityTests : IDisposable
{
    private readonly ScratchDirectory _state = new("openvpn-identity");
    private readonly ManualTimeProvider _time = new(DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private string Directory => _state.File("openvpn");

    public void Dispose() => _state.Dispose();

    [Fact]
    public void The_gateway_makes_its_key_and_certificate_once_readable_only_by_itself_and_keeps_them()
    {
        string fingerprint;
        using (var first = OpenVpnIdentity.LoadOrCreate(Directory, _time))
            fingerprint = first.Fingerprint;

        using var again = OpenVpnIdentity.LoadOrCreate(Directory, _time);

        Assert.Equal(fingerprint, again.Fingerprint);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(again.KeyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(again.CertificatePath));
        Assert.Empty(System.IO.Directory.GetFiles(Directory, "*.tmp"));
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(again.CertificatePath));
        Assert.Equal(fingerprint, OpenVpnKeys.Fingerprint(certificate));
        // A CA for the sessions' certificates, with no extended key usage (OpenSSL would hold it against the clients').
        Assert.True(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Empty(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
    }

    [Fact]
    public void A_certificate_that_is_not_for_the_key_is_refused_with_what_to_do()
    {
        using (OpenVpnIdentity.LoadOrCreate(Directory, _time))
        {
        }
        File.WriteAllText(Path.Combine(Directory, "gateway.key"), OpenVpnKeys.Create().PrivateKeyPem);

        var error = Assert.Throws<InvalidDataException>(() => OpenVpnIdentity.LoadOrCreate(Directory, _time));

        Assert.Contains("remove both", error.Message);
    }

    [Fact]
    public void A_sessions_certificate_is_for_the_subscribers_key_signed_by_the_gateway_and_for_clients_only()
    {
        using var gateway = OpenVpnIdentity.LoadOrCreate(Directory, _time);
        var (_, publicKey) = OpenVpnKeys.Create();

        var issued = gateway.Issue(OpenVpnKeys.ParsePublicKey(publicKey)!, _time);

        using var certificate = X509Certificate2.CreateFromPem(issued.CertificatePem);
        using var authority = X509Certificate2.CreateFromPem(File.ReadAllText(gateway.CertificatePath));
        Assert.Equal(publicKey, Convert.ToBase64String(certificate.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo()));
        Assert.Equal(issued.Fingerprint, OpenVpnKeys.Fingerprint(certificate));
        Assert.Equal("CN=" + issued.CommonName, certificate.Subject);
        Assert.Matches("^mnigs-[0-9a-f]{16}$", issued.CommonName);
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages;
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], usages.Cast<Oid>().Select(o => o.Value));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void Every_session_gets_a_certificate_and_a_name_of_its_own_even_for_the_same_key()
    {
        using var gateway = OpenVpnIdentity.LoadOrCreate(Directory, _time);
        var key = OpenVpnKeys.ParsePublicKey(OpenVpnKeys.Create().PublicKey)!;

        var first = gateway.Issue(key, _time);
        var second = gateway.Issue(key, _time);

        Assert.NotEqual(first.Fingerprint, second.Fingerprint);
        Assert.NotEqual(first.CommonName, second.CommonName);
    }

    [Fact]
    public void A_certificate_signed_by_another_key_does_not_chain_to_the_gateway()
    {
        using var gateway = OpenVpnIdentity.LoadOrCreate(Directory, _time);
        using var stranger = OpenVpnIdentity.LoadOrCreate(_state.File("other"), _time);
        var issued = stranger.Issue(OpenVpnKeys.ParsePublicKey(OpenVpnKeys.Create().PublicKey)!, _time);

        using var certificate = X509Certificate2.CreateFromPem(issued.CertificatePem);
        using var authority = X509Certificate2.CreateFromPem(File.ReadAllText(gateway.CertificatePath));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.False(chain.Build(certificate));
        Assert.NotEqual(gateway.Fingerprint, stranger.Fingerprint);
    }
}
