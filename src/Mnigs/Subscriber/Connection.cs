using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Host;
using Mnigs.Core.Suites;

namespace Mnigs.Subscriber;

/// <summary>This node's connection through one gateway. <see cref="Secret"/> (the tunnel private key) is never logged.</summary>
public sealed record Connection
{
    public long Id { get; init; }
    public required IPAddress GatewayAddress { get; init; }
    public required int GatewayPort { get; init; }
    public string GatewayId { get; init; } = "";
    public string GatewayName { get; init; } = "";
    public required Suite Suite { get; init; }
    public required string Sid { get; init; }
    public required string Interface { get; init; }
    /// <summary>Which of the subscriber's interfaces (0, 1, 2) the tunnel uses.</summary>
    public int Slot { get; init; }
    /// <summary>A short-lived tunnel for an on-demand test: never routed through, never a standby.</summary>
    public bool Test { get; init; }
    public InterfaceAddress? Ipv4 { get; init; }
    public InterfaceAddress? Ipv6 { get; init; }
    public IPAddress? TunnelGateway4 { get; init; }
    public IPAddress? TunnelGateway6 { get; init; }
    public IReadOnlyList<IPAddress> Dns { get; init; } = [];
    public int Mtu { get; init; }
    public required JsonObject Tunnel { get; init; }
    public required string Secret { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public TimeSpan Lease { get; init; }
    public string State { get; init; } = "up";
    /// <summary>What the gateway last said about the session's payment (pending: it carries nothing until paid at <see cref="Payments.PaymentStatus.Page"/>).</summary>
    public Payments.PaymentStatus Payment { get; init; } = new("free", "active");

    public Store.ConnectionRecord ToRecord(Store.ConnectionState state) => new()
    {
        Id = Id,
        GatewayAddress = GatewayAddress,
        GatewayPort = GatewayPort,
        GatewayId = GatewayId,
        GatewayName = GatewayName,
        Suite = Suite,
        Sid = Sid,
        Interface = Interface,
        Ipv4 = Ipv4?.Address,
        Ipv6 = Ipv6?.Address,
        Tunnel = (JsonObject)Tunnel.DeepClone(),
        Secret = Secret,
        State = state,
        CreatedAt = CreatedAt,
        ExpiresAt = ExpiresAt,
    };

    public JsonObject Describe(DateTimeOffset now) => new()
    {
        ["gateway"] = GatewayAddress.ToString(),
        ["port"] = GatewayPort,
        ["gatewayId"] = GatewayId,
        ["gatewayName"] = GatewayName,
        ["suite"] = Suite.Id,
        ["interface"] = Interface,
        ["ipv4"] = Ipv4?.ToString(),
        ["ipv6"] = Ipv6?.ToString(),
        ["tunnelGateway4"] = TunnelGateway4?.ToString(),
        ["tunnelGateway6"] = TunnelGateway6?.ToString(),
        ["dns"] = new JsonArray([.. Dns.Select(d => (JsonNode)d.ToString())]),
        ["mtu"] = Mtu,
        ["state"] = State,
        ["slot"] = Slot,
        ["test"] = Test,
        ["since"] = CreatedAt.ToUnixTimeSeconds(),
        ["expiresAt"] = ExpiresAt.ToUnixTimeSeconds(),
        ["leaseSecondsLeft"] = Math.Max(0, (int)(ExpiresAt - now).TotalSeconds),
        ["payment"] = Payment.Describe(),
    };
}
