namespace Mnigs.Core.Protocol;

/// <summary>The JSON-RPC 2.0 transport-level errors. Method-level failures are results with success=false.</summary>
public sealed record JsonRpcError(int Code, string Message)
{
    public static readonly JsonRpcError ParseError = new(-32700, "Parse error");
    public static readonly JsonRpcError InvalidRequest = new(-32600, "Invalid Request");
    public static readonly JsonRpcError MethodNotFound = new(-32601, "Method not found");
    public static JsonRpcError InvalidParams(string detail) => new(-32602, "Invalid params: " + detail);
    public static readonly JsonRpcError InternalError = new(-32603, "Internal error");
}
