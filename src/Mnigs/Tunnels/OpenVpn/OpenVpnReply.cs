using System.Text.Json.Nodes;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// The <c>tunnel</c> object of a gateway's requestConnection reply for the openvpn tunnel, as a subscriber reads it:
/// <c>{type, fingerprint, certificate, port, proto, mtu, endpoint}</c>. The endpoint is informational only: the
/// subscriber connects to the address it reached the gateway on.
/// </summary>
/// <param name="Fingerprint">The gateway's certificate, pinned with --peer-fingerprint.</param>
/// <param name="CertificatePem">The certificate the gateway issued for this session's key.</param>
public sealed record OpenVpnReply(string Fingerprint, string CertificatePem, int Port)
{
    /// <summary>Longest certificate taken from a reply (an issued P-256 certificate is about 700 characters of PEM).</summary>
    public const int MaxCertificateLength = 8192;

    /// <summary>Reads the reply; null and a plain message when it is unusable with the key whose public key is <paramref name="publicKey"/>.</summary>
    public static (OpenVpnReply? Reply, string? Error) Read(JsonObject tunnel, string publicKey)
    {
        var fingerprint = tunnel["fingerprint"] is JsonValue f && f.TryGetValue<string>(out var fs) ? fs : null;
        if (!OpenVpnKeys.IsFingerprint(fingerprint))
            return (null, "The gateway's reply has no valid OpenVPN certificate fingerprint");
        if (tunnel["port"] is not JsonValue pv || !pv.TryGetValue<int>(out var port) || port is < 1 or > 65535)
            return (null, "The gateway's reply has no valid OpenVPN port");
        if (tunnel["proto"] is JsonValue protoValue && (!protoValue.TryGetValue<string>(out var proto) || proto != "udp"))
            return (null, "The gateway's reply asks for an OpenVPN transport other than udp");
        var text = tunnel["certificate"] is JsonValue c && c.TryGetValue<string>(out var cs) && cs.Length <= MaxCertificateLength ? cs : null;
        if (text is null || OpenVpnKeys.ReadCertificate(text) is not { } certificate)
            return (null, "The gateway's reply has no OpenVPN certificate for this connection");
        if (certificate.PublicKey != publicKey)
            return (null, "The gateway's reply holds an OpenVPN certificate for another key than this connection's");
        // Only the certificate goes to openvpn, written out again: nothing else the reply's text held.
        return (new OpenVpnReply(fingerprint!, certificate.Pem, port), null);
    }
}
