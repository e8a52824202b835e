using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;
using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// The configuration file format of <c>wg setconf</c>/<c>wg syncconf</c>/<c>wg showconf</c>
/// (wireguard-tools, wg(8) "CONFIGURATION FILE FORMAT"). The text holds the private key: it only
/// ever goes to wg's stdin.
/// </summary>
internal static class WireGuardConfigText
{
    public static string Render(WireGuardInterface wg)
    {
        var text = new StringBuilder();
        text.Append("[Interface]\n");
        text.Append("PrivateKey = ").Append(wg.PrivateKey).Append('\n');
        if (wg.ListenPort is { } port)
            text.Append("ListenPort = ").Append(port.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var peer in wg.Peers)
        {
            text.Append("\n[Peer]\n");
            text.Append("PublicKey = ").Append(peer.PublicKey).Append('\n');
            if (peer.Endpoint is { } endpoint)
                text.Append("Endpoint = ").Append(endpoint).Append('\n');
            if (!peer.AllowedIps.IsEmpty)
                text.Append("AllowedIPs = ").AppendJoin(", ", peer.AllowedIps).Append('\n');
            if (peer.PersistentKeepalive > 0)
                text.Append("PersistentKeepalive = ").Append(peer.PersistentKeepalive.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Whether the running configuration (<c>wg showconf</c> output) already is <paramref name="wanted"/>.</summary>
    /// <remarks>
    /// A peer's endpoint only counts when one is wanted: WireGuard learns the endpoints of peers that
    /// roam or that we do not know in advance (a gateway's subscribers). An unset listen port is any port.
    /// </remarks>
    public static bool Matches(string showconf, WireGuardInterface wanted)
    {
        var running = Parse(showconf);
        if (!SamePrivateKey(running.PrivateKey, wanted.PrivateKey))
            return false;
        if (wanted.ListenPort is { } port && running.ListenPort != port)
            return false;
        if (running.Peers.Count != wanted.Peers.Length)
            return false;
        foreach (var peer in wanted.Peers)
        {
            if (!running.Peers.TryGetValue(peer.PublicKey, out var current))
                return false;
            if (!current.AllowedIps.SetEquals(peer.AllowedIps) || current.Keepalive != peer.PersistentKeepalive)
                return false;
            if (peer.Endpoint is not null && !peer.Endpoint.Equals(current.Endpoint))
                return false;
        }
        return true;
    }

    /// <summary>
    /// WireGuard clamps a private key as Curve25519 does (RFC 7748 section 5) and shows it clamped, so
    /// an unclamped key we set reads back different yet is the same key.
    /// </summary>
    private static bool SamePrivateKey(string? running, string wanted)
    {
        if (running == wanted)
            return true;
        if (running is null)
            return false;
        var a = new byte[32];
        var b = new byte[32];
        if (!Convert.TryFromBase64String(running, a, out var la) || la != 32 || !Convert.TryFromBase64String(wanted, b, out var lb) || lb != 32)
            return false;
        foreach (var key in new[] { a, b })
        {
            key[0] &= 248;
            key[31] &= 127;
            key[31] |= 64;
        }
        return a.AsSpan().SequenceEqual(b);
    }

    private sealed record RunningPeer(ImmutableHashSet<IPNetwork> AllowedIps, IPEndPoint? Endpoint, int Keepalive);

    private sealed record RunningConfig(string? PrivateKey, int? ListenPort, Dictionary<string, RunningPeer> Peers);

    private static RunningConfig Parse(string showconf)
    {
        string? privateKey = null;
        int? listenPort = null;
        var peers = new Dictionary<string, RunningPeer>(StringComparer.Ordinal);
        string? peerKey = null;
        var allowed = ImmutableHashSet.CreateBuilder<IPNetwork>();
        IPEndPoint? endpoint = null;
        var keepalive = 0;

        void EndPeer()
        {
            if (peerKey is not null)
                peers[peerKey] = new RunningPeer(allowed.ToImmutable(), endpoint, keepalive);
            peerKey = null;
            allowed.Clear();
            endpoint = null;
            keepalive = 0;
        }

        foreach (var raw in showconf.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Equals("[Peer]", StringComparison.OrdinalIgnoreCase))
            {
                EndPeer();
                peerKey = "";
                continue;
            }
            var equals = line.IndexOf('=');
            if (equals < 0)
                continue;
            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            switch (key.ToLowerInvariant())
            {
                case "privatekey" when peerKey is null:
                    privateKey = value;
                    break;
                case "listenport" when peerKey is null:
                    listenPort = int.TryParse(value, CultureInfo.InvariantCulture, out var port) ? port : null;
                    break;
                case "publickey" when peerKey is not null:
                    peerKey = value;
                    break;
                case "allowedips" when peerKey is not null:
                    foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (IPNetwork.TryParse(item, out var network))
                            allowed.Add(network);
                    }
                    break;
                case "endpoint" when peerKey is not null:
                    endpoint = IPEndPoint.TryParse(value, out var parsed) ? parsed : null;
                    break;
                case "persistentkeepalive" when peerKey is not null:
                    keepalive = int.TryParse(value, CultureInfo.InvariantCulture, out var seconds) ? seconds : 0;
                    break;
            }
        }
        EndPeer();
        return new RunningConfig(privateKey, listenPort, peers);
    }
}
