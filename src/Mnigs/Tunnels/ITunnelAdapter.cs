using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;

namespace Mnigs.Tunnels;

/// <summary>
/// One tunnel method. The gateway half turns the live sessions into the host state that serves them;
/// the subscriber half turns a gateway's reply into the host state of one tunnel. Both are pure given
/// their inputs, so every decision is testable with the fake platform. A tunnel served by software
/// outside the kernel state (cjdroute's IpTunnel, an OpenVPN server) also tells that software, in
/// <see cref="SyncGatewayAsync"/> and <see cref="ConnectSubscriberAsync"/>/<see cref="DisconnectSubscriberAsync"/>.
/// </summary>
public interface ITunnelAdapter
{
    /// <summary>Tunnel id as used in suite ids, e.g. <c>wireguard</c>.</summary>
    string Name { get; }

    AdapterHealthFacts Check(Platform.HostFacts facts);

    /// <summary>
    /// Whether this tunnel works over the network <paramref name="network"/> (a suite's network id); suites pair it
    /// only with those. Most run over any; forward needs the gateway one hop away on a layer-2 segment.
    /// </summary>
    bool RunsOver(string network) => true;

    // --- gateway half ---

    /// <summary>
    /// Validates what the subscriber sent in <c>options</c> and returns what to keep with the session.
    /// <paramref name="caller"/> is the mesh address the request came from.
    /// </summary>
    TunnelAdmission Admit(JsonObject? options, IPAddress caller);

    /// <summary>The <c>tunnel</c> object of the requestConnection reply for one session.</summary>
    JsonObject DescribeForSubscriber(GatewaySession session, IPAddress meshAddress);

    /// <summary>Host state serving every live session.</summary>
    HostState GatewayState(IReadOnlyList<GatewaySession> sessions);

    /// <summary>Interfaces subscribers' traffic arrives on (kept out of the gateway's own networks by the firewall).</summary>
    IReadOnlyList<string> GatewayInterfaces { get; }

    /// <summary>
    /// Makes the tunnel's own service serve exactly <paramref name="sessions"/> (this tunnel's live sessions; none
    /// when the gateway stops serving), after the host state was applied. Called after every change and again
    /// every few seconds, so it also repairs a service that restarted or what a crash left behind. Throws with a
    /// plain message when the service cannot be told.
    /// </summary>
    Task SyncGatewayAsync(IReadOnlyList<GatewaySession> sessions, CancellationToken ct) => Task.CompletedTask;

    // --- subscriber half ---

    /// <summary>Fresh per-connection secrets and the <c>options</c> to send with requestConnection.</summary>
    SubscriberTunnelKeys CreateKeys();

    /// <summary>Host state of one connection; fails with a plain message when the reply is unusable.</summary>
    SubscriberTunnelPlan PlanSubscriber(SubscriberTunnelInput input);

    /// <summary>
    /// The one interface every connection of this tunnel uses when the tunnel's own software owns it (cjdroute's
    /// TUN); null when each connection gets an interface of Mnigs' own. Such a tunnel carries one connection at a time.
    /// </summary>
    string? SharedSubscriberInterface => null;

    /// <summary>Brings a planned connection up in the tunnel's own service, before its host state is applied; throws with a plain message when it cannot.</summary>
    Task ConnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Takes a connection down in the tunnel's own service, after its host state was removed (also for one a crash left behind).</summary>
    Task DisconnectSubscriberAsync(SubscriberTunnelInput input, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// The host state that carries the Internet through a connection while it is the active one (subscriber.routing =
    /// route), given the usual one: default routes on the connection's interface, Mnigs' policy rules, the gateway's
    /// resolvers. A tunnel without an interface of its own changes it: forward routes via the gateway's mesh address,
    /// socks redirects TCP to its local proxy.
    /// </summary>
    HostState RouteInternet(SubscriberTunnelInput input, HostState usual) => usual;
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

/// <param name="TunnelGateway4">The gateway's own IPv4 address inside the tunnel, when it gave one.</param>
/// <param name="TunnelGateway6">The gateway's own IPv6 address inside the tunnel, when it gave one.</param>
public sealed record SubscriberTunnelInput(
    string InterfaceName,
    string Secret,
    JsonObject Tunnel,
    IPAddress GatewayMeshAddress,
    InterfaceAddress? Ipv4,
    InterfaceAddress? Ipv6,
    int Mtu,
    IPAddress? TunnelGateway4 = null,
    IPAddress? TunnelGateway6 = null);

public sealed record SubscriberTunnelPlan(bool Ok, string? Error, HostState State)
{
    public static SubscriberTunnelPlan Fail(string error) => new(false, error, HostState.Empty);
}
