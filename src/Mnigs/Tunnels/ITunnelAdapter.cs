using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;

namespace Mnigs.Tunnels;

/// <summary>
/// One tunnel method. The gateway half turns the live sessions into the host state that serves them;
/// the subscriber half turns a gateway's reply into the host state of one tunnel. Both are pure given
/// their inputs, so every decision is testable with the fake platform.
/// </summary>
public interface ITunnelAdapter
{
    /// <summary>Tunnel id as used in suite ids, e.g. <c>wireguard</c>.</summary>
    string Name { get; }

    AdapterHealthFacts Check(Platform.HostFacts facts);

    // --- gateway half ---

    /// <summary>Validates what the subscriber sent in <c>options</c> and returns what to keep with the session.</summary>
    TunnelAdmission Admit(JsonObject? options);

    /// <summary>The <c>tunnel</c> object of the requestConnection reply for one session.</summary>
    JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress);

    /// <summary>Host state serving every live session.</summary>
    HostState GatewayState(IReadOnlyList<GatewaySession> sessions);

    /// <summary>Interfaces subscribers' traffic arrives on (kept out of the gateway's own networks by the firewall).</summary>
    IReadOnlyList<string> GatewayInterfaces { get; }

    // --- subscriber half ---

    /// <summary>Fresh per-connection secrets and the <c>options</c> to send with requestConnection.</summary>
    SubscriberTunnelKeys CreateKeys();

    /// <summary>Host state of one connection; fails with a plain message when the reply is unusable.</summary>
    SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input);
}

public sealed record AdapterHealthFacts(bool Available, string Message);

public sealed record TunnelAdmission(bool Ok, string? Error, JsonObject State)
{
    public static TunnelAdmission Accept(JsonObject state) => new(true, null, state);
    public static TunnelAdmission Refuse(string error) => new(false, error, []);
}

/// <param name="Secret">Kept by the subscriber only (a private key); never logged or sent.</param>
/// <param name="Options">Sent in requestConnection's <c>options</c>.</param>
public sealed record SubscriberTunnelKeys(string Secret, JsonObject Options);

public sealed record SubscriberTunnelInput(
    string InterfaceName,
    string Secret,
    JsonObject Tunnel,
    IPAddress GatewayMeshAddress,
    InterfaceAddress? Ipv4,
    InterfaceAddress? Ipv6,
    int Mtu);

public sealed record SubscriberTunnelPlan(bool Ok, string? Error, HostState State)
{
    public static SubscriberTunnelPlan Fail(string error) => new(false, error, HostState.Empty);
}
