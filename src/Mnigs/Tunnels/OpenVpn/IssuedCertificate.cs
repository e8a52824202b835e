namespace Mnigs.Tunnels.OpenVpn;

/// <summary>A session's certificate, as <see cref="OpenVpnIdentity.Issue"/> made it.</summary>
/// <param name="CertificatePem">Public: sent to the subscriber in the reply and kept with the session.</param>
/// <param name="Fingerprint">What the management interface reports as <c>tls_digest_sha256_0</c> for it.</param>
/// <param name="CommonName">What openvpn's status lists the connected client under.</param>
public sealed record IssuedCertificate(string CertificatePem, string Fingerprint, string CommonName);
