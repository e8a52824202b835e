using Mnigs.Gateway;

namespace Mnigs.Rpc;

/// <summary>The seed's public protocol, callable by any mesh peer.</summary>
public static class PublicMethods
{
    public static IEnumerable<RpcMethod> For(GatewayService gateway) =>
    [
        new("nodeInfo", [], Admin: false, (_, _) => ValueTask.FromResult(gateway.NodeInfo())),
        new("requestConnection", ["sid", "name", "port", "method", "options"], Admin: false,
            async (call, ct) => await gateway.RequestConnectionAsync(call, ct)),
        new("renewConnection", ["sid"], Admin: false, async (call, ct) => await gateway.RenewConnectionAsync(call, ct)),
        new("releaseConnection", ["sid"], Admin: false, async (call, ct) => await gateway.ReleaseConnectionAsync(call, ct)),
    ];
}
