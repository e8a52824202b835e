using System.Text.Json;

namespace Mnigs.Core.Protocol;

/// <summary>A parsed JSON-RPC 2.0 call. <see cref="Params"/> is an array (positional), an object (named) or absent.</summary>
public sealed record JsonRpcRequest(string Method, JsonElement? Params, JsonElement? Id)
{
    /// <summary>A notification has no id and gets no answer body.</summary>
    public bool IsNotification => Id is null;
}
