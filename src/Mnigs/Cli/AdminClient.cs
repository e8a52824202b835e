using System.Text.Json.Nodes;
using Mnigs.Rpc;

namespace Mnigs.Cli;

/// <summary>The admin API as the CLI (and tests) call it.</summary>
public sealed class AdminClient(RpcClient rpc, Uri endpoint)
{
    public Task<JsonObject> CallAsync(string method, JsonObject? parameters, CancellationToken ct) =>
        rpc.CallAsync(endpoint, method, parameters, ct);
}
