using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// Tunnel <c>openvpn</c>: Debian's openvpn 2.6 (openvpn(8); its management interface in
/// /usr/share/doc/openvpn/management-notes.txt), run by Mnigs through <see cref="IServiceProcesses"/>.
/// <list type="bullet">
/// <item>Gateway: one server on UDP <see cref="OpenVpnOptions.Port"/> and one tun (<see cref="GatewayInterfaces"/>)
/// while it has openvpn sessions, with the key and self-signed certificate this daemon made (<see cref="OpenVpnIdentity"/>).
/// A subscriber sends a fresh public key; the gateway answers with a certificate for it that only it signed, and its own
/// fingerprint. openvpn's static <c>--peer-fingerprint</c> list cannot take clients that come and go without a restart
/// (a SIGHUP restarts the server and drops every client for seconds), so the server trusts its own certificate as CA
/// instead and hands every connection to Mnigs on its management socket: only the certificate of a live session, from
/// that session's mesh address, gets in, and a released or expired session's connection is ended at once.</item>
/// <item>Subscriber: one client per connection on the interface Mnigs gives it, pinning the gateway by
/// <c>--peer-fingerprint</c>, connecting to the address the subscriber reached the gateway on, setting the reply's
/// addresses and no routes: Mnigs routes through it.</item>
/// </list>
/// Protocol fields: options {publicKey} (a P-256 SubjectPublicKeyInfo in base64); reply tunnel {type, fingerprint,
/// certificate, port, proto, mtu, endpoint}.
/// </summary>
public sealed class OpenVpnTunnel : ITunnelAdapter, IAsyncDisposable
{
    private readonly OpenVpnOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<OpenVpnIdentity> _identity;
    private readonly OpenVpnServer _server;
    private readonly OpenVpnClient _client;
    private volatile string _program = "openvpn";

    public OpenVpnTunnel(OpenVpnOptions options, IServiceProcesses services, TimeProvider time, ILogger<OpenVpnTunnel> log,
        TimeSpan? connectWait = null)
    {
        _options = options;
        _time = time;
        // Made or read only when this node serves as a gateway.
        _identity = new(() => OpenVpnIdentity.LoadOrCreate(options.StateDirectory, time));
        _server = new OpenVpnServer(options, services, () => _identity.Value, () => _program, log);
        _client = new OpenVpnClient(options, services, () => _program, connectWait ?? OpenVpnClient.DefaultConnectWait, log);
    }

    public string Name => "openvpn";

    public IReadOnlyList<string> GatewayInterfaces => [_options.GatewayInterface];

    public AdapterHealthFacts Check(HostFacts facts)
    {
        if (facts.Program("openvpn") is not { } program)
            return new(false, "openvpn is not installed (Debian: apt-get install openvpn)");
        if (!File.Exists(_options.TunDevice))
            return new(false, $"openvpn needs the kernel's TUN device and {_options.TunDevice} is missing (modprobe tun)");
        _program = program;
        return new(true, "openvpn " + program);
    }

    // --- gateway half ---

    public TunnelAdmission Admit(JsonObject? options, IPAddress caller)
    {
        var text = options?["publicKey"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (OpenVpnKeys.ParsePublicKey(text) is not { } publicKey)
            return TunnelAdmission.Refuse("options.publicKey must be an EC P-256 public key (base64 SubjectPublicKeyInfo)");
        OpenVpnIdentity identity;
        try
        {
            identity = _identity.Value;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return TunnelAdmission.Refuse("The gateway cannot use its OpenVPN key: " + e.Message);
        }
        if (text == identity.PublicKey)
            return TunnelAdmission.Refuse("options.publicKey is the gateway's own key");
        var issued = identity.Issue(publicKey, _time);
        return TunnelAdmission.Accept(new JsonObject
        {
            // Not "publicKey": that names a WireGuard peer to the traffic counters.
            ["subscriberKey"] = text,
            ["certificate"] = issued.CertificatePem,
            ["fingerprint"] = issued.Fingerprint,
            ["commonName"] = issued.CommonName,
        });
    }

    public JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress) => new()
    {
        ["type"] = Name,
        ["fingerprint"] = _identity.Value.Fingerprint,
        ["certificate"] = session.TunnelState["certificate"]?.DeepClone(),
        ["endpoint"] = meshAddress.ToString(),
        ["port"] = _options.Port,
        ["proto"] = "udp",
        ["mtu"] = _options.Mtu,
    };

    /// <summary>The server's tun while it serves sessions: openvpn makes and addresses it, the platform must leave it be.</summary>
    public HostState GatewayState(IReadOnlyList<GatewaySession> sessions) =>
        Served(sessions).Count > 0 ? new HostState { ServiceLinks = [_options.GatewayInterface] } : HostState.Empty;

    public Task SyncGatewayAsync(IReadOnlyList<GatewaySession> sessions, CancellationToken ct) => _server.SyncAsync(Served(sessions), ct);

    /// <summary>This tunnel's sessions with what the server needs of each; a session without a certificate cannot connect and is left out.</summary>
    private List<ServedSession> Served(IReadOnlyList<GatewaySession> sessions)
    {
        var served = new List<ServedSession>();
        foreach (var s in sessions)
        {
            if (s.Suite.Tunnel != Name
                || s.TunnelState["fingerprint"] is not JsonValue f || !f.TryGetValue<string>(out var fingerprint) || !OpenVpnKeys.IsFingerprint(fingerprint)
                || s.TunnelState["commonName"] is not JsonValue c || !c.TryGetValue<string>(out var commonName))
                continue;
            served.Add(new ServedSession(s.Sid, commonName, fingerprint, s.MeshAddress,
                s.Ipv4 is { } v4 && _options.Ipv4 is { } p4 ? new InterfaceAddress(v4, p4.Subnet.PrefixLength) : null,
                s.Ipv6 is { } v6 && _options.Ipv6 is { } p6 ? new InterfaceAddress(v6, p6.Subnet.PrefixLength) : null,
                _options.Ipv6?.Gateway));
        }
        return served;
    }

    // --- subscriber half ---

    public SubscriberTunnelKeys CreateKeys()
    {
        var (privateKey, publicKey) = OpenVpnKeys.Create();
        return new SubscriberTunnelKeys(privateKey, new JsonObject { ["publicKey"] = publicKey });
    }

    public SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input)
    {
        var (_, error) = Read(input);
        if (error is not null)
            return SubscriberTunnelPlan.Fail(error);
        if (input.Ipv4 is null && input.Ipv6 is null)
            return SubscriberTunnelPlan.Fail("The gateway's reply has no tunnel address");
        // openvpn makes the interface and puts the addresses on it; Mnigs routes through it.
        return new SubscriberTunnelPlan(true, null, new HostState { ServiceLinks = [input.InterfaceName] });
    }

    public async Task ConnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct)
    {
        var (reply, error) = Read(input);
        if (reply is null)
            throw new InvalidDataException(error);
        await _client.ConnectAsync(input, reply, ct);
    }

    public Task DisconnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct) => _client.DisconnectAsync(input.InterfaceName, ct);

    private static (OpenVpnReply? Reply, string? Error) Read(SubscriberTunnelInput input) =>
        OpenVpnKeys.PublicKeyOf(input.Secret) is { } publicKey
            ? OpenVpnReply.Read(input.Tunnel, publicKey)
            : (null, "This connection's OpenVPN key is unreadable");

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        if (_identity.IsValueCreated)
            _identity.Value.Dispose();
    }
}
