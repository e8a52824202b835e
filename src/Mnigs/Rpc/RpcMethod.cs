using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Protocol;

namespace Mnigs.Rpc;

/// <summary>One JSON-RPC method: its declared parameter names (for positional params), whether only
/// authorized addresses may call it, and its handler.</summary>
public sealed record RpcMethod(
    string Name,
    IReadOnlyList<string> ParamNames,
    bool Admin,
    Func<RpcCall, CancellationToken, ValueTask<JsonObject>> Handler)
{
    /// <summary>For hot methods without params (nodeInfo): the result already serialized, written as is.</summary>
    public Func<byte[]>? Serialized { get; init; }
}

/// <summary>What a handler knows about the call: its params, the caller's address and the local address it
/// reached (IPv4-mapped addresses unmapped).</summary>
public sealed record RpcCall(RpcParams Params, IPAddress Caller, IPAddress Local);
