using System.Collections.Immutable;
using System.Net;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// Whether the server lets one connection in, from what openvpn's management interface says of it (the ENV of a
/// <c>&gt;CLIENT:CONNECT</c> or <c>REAUTH</c>, after TLS verified its certificate against the gateway's own): its
/// certificate must be the one issued to a live session (<c>tls_digest_sha256_0</c>) and it must come from that
/// session's mesh address (<c>untrusted_ip</c>/<c>untrusted_ip6</c>), as renew and release must. Admitted, it gets its
/// session's addresses pushed; the client sets them itself, the push tells the server where to route them.
/// </summary>
public static class OpenVpnAdmission
{
    public static Decision Decide(IReadOnlyDictionary<string, string> env, IReadOnlyList<ServedSession> live)
    {
        var fingerprint = env.GetValueOrDefault("tls_digest_sha256_0");
        if (!OpenVpnKeys.IsFingerprint(fingerprint))
            return Decision.Deny("no client certificate");
        var session = live.FirstOrDefault(s => OpenVpnKeys.SameFingerprint(s.Fingerprint, fingerprint));
        if (session is null)
            return Decision.Deny($"certificate {fingerprint![..11]}… belongs to no live session");
        var from = Source(env);
        if (from is null)
            return Decision.Deny("no source address");
        if (!from.Equals(Normal(session.MeshAddress)))
            return Decision.Deny($"session {session.ShortSid} belongs to {session.MeshAddress}, not {from}");

        var config = ImmutableArray.CreateBuilder<string>();
        if (session.Ipv4 is { } v4)
            config.Add($"ifconfig-push {v4.Address} {OpenVpnText.Netmask(v4.PrefixLength)}");
        if (session.Ipv6 is { } v6)
            config.Add($"ifconfig-ipv6-push {v6} {session.Gateway6 ?? v6.Address}");
        return new Decision(true, null, session, config.ToImmutable());
    }

    /// <summary>Where the connection comes from; IPv4 clients of the dual-stack socket as plain IPv4.</summary>
    private static IPAddress? Source(IReadOnlyDictionary<string, string> env)
    {
        var text = env.GetValueOrDefault("untrusted_ip") ?? env.GetValueOrDefault("untrusted_ip6");
        return text is not null && IPAddress.TryParse(text, out var address) ? Normal(address) : null;
    }

    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <param name="Reason">Why not, for the gateway's log (the client is only told its session is not live).</param>
    /// <param name="Config">client-connect lines for client-auth: the session's addresses.</param>
    public sealed record Decision(bool Admit, string? Reason, ServedSession? Session, ImmutableArray<string> Config)
    {
        public static Decision Deny(string reason) => new(false, reason, null, []);
    }
}
