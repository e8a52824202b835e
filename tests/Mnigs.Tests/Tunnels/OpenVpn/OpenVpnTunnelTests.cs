using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Host;
using Mnigs.Platform;
using Mnigs.Tunnels;
using Mnigs.Tunnels.OpenVpn;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>The openvpn tunnel's decisions: what it admits, what it answers, what a subscriber accepts from a reply.</summary>
public sealed class OpenVpnTunnelTests : IAsyncLifetime
{
    private readonly OpenVpnScenario _gateway = new();
    private readonly OpenVpnScenario _subscriber = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _subscriber.DisposeAsync();
    }

    private SubscriberTunnelInput Input(string secret, JsonObject tunnel, bool v4 = true, bool v6 = true) => new(
        "mnabcds0", secret, tunnel, OpenVpnScenario.GatewayMesh,
        v4 ? InterfaceAddress.Parse("10.203.0.2/24") : null,
        v6 ? InterfaceAddress.Parse("fd6d:6e69:6775::2/64") : null,
        1400, IPAddress.Parse("10.203.0.1"), IPAddress.Parse("fd6d:6e69:6775::1"));

    /// <summary>A subscriber's keys, what the gateway admitted and answered for them.</summary>
    private (SubscriberTunnelKeys Keys, JsonObject Reply) Connect()
    {
        var keys = _subscriber.Tunnel.CreateKeys();
        var admission = _gateway.Tunnel.Admit(keys.Options, OpenVpnScenario.SubscriberMesh);
        Assert.True(admission.Ok, admission.Error);
        var reply = _gateway.Tunnel.DescribeForSubscriber(OpenVpnScenario.Session("s1", admission.State), OpenVpnScenario.GatewayMesh);
        return (keys, reply);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    [InlineData("""{"publicKey":42}""")]
    [InlineData("""{"publicKey":"bm90IGEga2V5"}""")]
    [InlineData("""{"publicKey":"MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="}""")]
    public void A_request_without_a_P256_public_key_is_refused(string? options)
    {
        var admission = _gateway.Tunnel.Admit(options is null ? null : JsonNode.Parse(options)!.AsObject(), OpenVpnScenario.SubscriberMesh);

        Assert.False(admission.Ok);
        Assert.Equal("options.publicKey must be an EC P-256 public key (base64 SubjectPublicKeyInfo)", admission.Error);
        Assert.Empty(_gateway.Services.Started);
    }

    [Fact]
    public void The_gateways_own_key_is_refused()
    {
        using var identity = OpenVpnIdentity.LoadOrCreate(_gateway.StateDirectory, _gateway.Time);

        var admission = _gateway.Tunnel.Admit(new JsonObject { ["publicKey"] = identity.PublicKey }, OpenVpnScenario.SubscriberMesh);

        Assert.False(admission.Ok);
        Assert.Equal("options.publicKey is the gateway's own key", admission.Error);
    }

    [Fact]
    public void An_admitted_key_gets_a_certificate_and_the_session_keeps_its_fingerprint_and_name()
    {
        var keys = _subscriber.Tunnel.CreateKeys();

        var admission = _gateway.Tunnel.Admit(keys.Options, OpenVpnScenario.SubscriberMesh);

        Assert.True(admission.Ok);
        var state = admission.State;
        Assert.Equal(keys.Options["publicKey"]!.GetValue<string>(), state["subscriberKey"]!.GetValue<string>());
        var certificate = OpenVpnKeys.ReadCertificate(state["certificate"]!.GetValue<string>());
        Assert.Equal(keys.Options["publicKey"]!.GetValue<string>(), certificate!.Value.PublicKey);
        using var parsed = X509Certificate2.CreateFromPem(certificate.Value.Pem);
        Assert.Equal(OpenVpnKeys.Fingerprint(parsed), state["fingerprint"]!.GetValue<string>());
        Assert.Equal("CN=" + state["commonName"]!.GetValue<string>(), parsed.Subject);
        // Nothing secret is kept or sent: only the subscriber's public key and a public certificate.
        Assert.DoesNotContain("PRIVATE", state.ToJsonString());
    }

    [Fact]
    public void The_reply_pins_the_gateway_and_carries_the_sessions_certificate_port_and_mtu()
    {
        var (_, reply) = Connect();

        using var identity = OpenVpnIdentity.LoadOrCreate(_gateway.StateDirectory, _gateway.Time);
        Assert.Equal("openvpn", reply["type"]!.GetValue<string>());
        Assert.Equal(identity.Fingerprint, reply["fingerprint"]!.GetValue<string>());
        Assert.Equal(1194, reply["port"]!.GetValue<int>());
        Assert.Equal("udp", reply["proto"]!.GetValue<string>());
        Assert.Equal(1420, reply["mtu"]!.GetValue<int>());
        Assert.Equal("10.77.0.3", reply["endpoint"]!.GetValue<string>());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", reply["certificate"]!.GetValue<string>());
    }

    [Fact]
    public void A_subscriber_plans_the_gateways_reply_as_an_interface_its_openvpn_holds()
    {
        var (keys, reply) = Connect();

        var plan = _subscriber.Tunnel.PlanSubscriber(Input(keys.Secret, reply));

        Assert.True(plan.Ok, plan.Error);
        Assert.Equal(["mnabcds0"], plan.State.ServiceLinks.ToArray());
        Assert.Empty(plan.State.WireGuard);
        Assert.Empty(plan.State.Routes);
    }

    public static TheoryData<string, string> BadReplies => new()
    {
        { "fingerprint", "The gateway's reply has no valid OpenVPN certificate fingerprint" },
        { "short fingerprint", "The gateway's reply has no valid OpenVPN certificate fingerprint" },
        { "port", "The gateway's reply has no valid OpenVPN port" },
        { "port 0", "The gateway's reply has no valid OpenVPN port" },
        { "tcp", "The gateway's reply asks for an OpenVPN transport other than udp" },
        { "certificate", "The gateway's reply has no OpenVPN certificate for this connection" },
        { "garbage certificate", "The gateway's reply has no OpenVPN certificate for this connection" },
        { "huge certificate", "The gateway's reply has no OpenVPN certificate for this connection" },
        { "another key", "The gateway's reply holds an OpenVPN certificate for another key than this connection's" },
    };

    [Theory]
    [MemberData(nameof(BadReplies))]
    public void A_reply_the_subscriber_cannot_use_fails_with_a_plain_message(string damage, string error)
    {
        var (keys, reply) = Connect();
        switch (damage)
        {
            case "fingerprint": reply.Remove("fingerprint"); break;
            case "short fingerprint": reply["fingerprint"] = "3D:28:45"; break;
            case "port": reply.Remove("port"); break;
            case "port 0": reply["port"] = 0; break;
            case "tcp": reply["proto"] = "tcp"; break;
            case "certificate": reply.Remove("certificate"); break;
            case "garbage certificate": reply["certificate"] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"; break;
            case "huge certificate": reply["certificate"] = reply["certificate"]!.GetValue<string>() + new string(' ', OpenVpnReply.MaxCertificateLength); break;
            case "another key": reply["certificate"] = Connect().Reply["certificate"]!.DeepClone(); break;
        }

        var plan = _subscriber.Tunnel.PlanSubscriber(Input(keys.Secret, reply));

        Assert.False(plan.Ok);
        Assert.Equal(error, plan.Error);
    }

    [Fact]
    public void A_reply_without_tunnel_addresses_or_a_connection_without_its_key_fails()
    {
        var (keys, reply) = Connect();

        Assert.Equal("The gateway's reply has no tunnel address", _subscriber.Tunnel.PlanSubscriber(Input(keys.Secret, reply, v4: false, v6: false)).Error);
        Assert.Equal("This connection's OpenVPN key is unreadable", _subscriber.Tunnel.PlanSubscriber(Input("", reply)).Error);
    }

    [Fact]
    public void The_gateway_state_is_the_servers_tun_while_there_are_openvpn_sessions_and_nothing_else()
    {
        var (_, session) = _gateway.Subscribe("s1");
        var wireGuardOnly = OpenVpnScenario.Session("w1", new JsonObject { ["publicKey"] = "x" }, tunnel: "wireguard");

        Assert.Equal([OpenVpnScenario.GatewayInterface], _gateway.Tunnel.GatewayState([session, wireGuardOnly]).ServiceLinks.ToArray());
        Assert.Equal(HostState.Empty, _gateway.Tunnel.GatewayState([wireGuardOnly]));
        Assert.Equal(HostState.Empty, _gateway.Tunnel.GatewayState([]));
        Assert.Equal([OpenVpnScenario.GatewayInterface], _gateway.Tunnel.GatewayInterfaces);
    }

    [Fact]
    public void Without_openvpn_or_the_TUN_device_the_tunnel_says_why_it_cannot_work()
    {
        var noProgram = OpenVpnScenario.Facts with { Programs = new Dictionary<string, string>() };
        var options = _gateway.Options with { TunDevice = Path.Combine(_gateway.StateDirectory, "no-such-tun") };
        var noTun = new OpenVpnTunnel(options, new FakeServiceProcesses(), _gateway.Time, NullLogger<OpenVpnTunnel>.Instance);

        Assert.Equal(new AdapterHealthFacts(false, "openvpn is not installed (Debian: apt-get install openvpn)"), _gateway.Tunnel.Check(noProgram));
        var check = noTun.Check(OpenVpnScenario.Facts);
        Assert.False(check.Available);
        Assert.Equal($"openvpn needs the kernel's TUN device and {options.TunDevice} is missing (modprobe tun)", check.Message);
        Assert.Equal(new AdapterHealthFacts(true, "openvpn /usr/sbin/openvpn"), _gateway.Tunnel.Check(OpenVpnScenario.Facts));
    }

    [Fact]
    public void Keys_are_new_for_every_connection_and_only_the_public_key_is_sent()
    {
        var first = _subscriber.Tunnel.CreateKeys();
        var second = _subscriber.Tunnel.CreateKeys();

        Assert.NotEqual(first.Secret, second.Secret);
        Assert.Equal(["publicKey"], first.Options.Select(p => p.Key));
        Assert.Equal(first.Options["publicKey"]!.GetValue<string>(), OpenVpnKeys.PublicKeyOf(first.Secret));
        Assert.DoesNotContain("PRIVATE", first.Options.ToJsonString());
        using var key = ECDsa.Create();
        key.ImportFromPem(first.Secret);
        Assert.Equal(256, key.KeySize);
    }
}
