using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnigs.Core.Protocol;

namespace Mnigs.Rpc;

/// <summary>
/// Turns one request body into one response body: parse, find the method, check the caller for admin
/// methods, bind params, run. Faults become JSON-RPC error objects; nothing reaches the caller as a
/// stack trace.
/// </summary>
public sealed class RpcDispatcher(IEnumerable<RpcMethod> methods, Func<IPAddress, bool> isAuthorized, ILogger<RpcDispatcher> log)
{
    public const string PermissionDenied = "Permission denied";

    private readonly Dictionary<string, RpcMethod> _methods = methods.ToDictionary(m => m.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<string> MethodNames => _methods.Keys;

    /// <summary>The response body, or null for a notification.</summary>
    public ValueTask<byte[]?> HandleAsync(ReadOnlyMemory<byte> body, IPAddress caller, IPAddress local, CancellationToken ct) =>
        HandleAsync(body, caller, local, adminRefusal: null, ct);

    /// <summary>
    /// The response body, or null for a notification. With <paramref name="adminRefusal"/> (why the
    /// request may not use admin methods whatever its address: a browser request from another site, see
    /// Web.BrowserRequestCheck) admin methods answer "Permission denied" as to an unauthorized address.
    /// </summary>
    public async ValueTask<byte[]?> HandleAsync(ReadOnlyMemory<byte> body, IPAddress caller, IPAddress local, string? adminRefusal, CancellationToken ct)
    {
        if (caller.IsIPv4MappedToIPv6)
            caller = caller.MapToIPv4();
        if (local.IsIPv4MappedToIPv6)
            local = local.MapToIPv4();

        var (request, error, id) = JsonRpcParser.Parse(body);
        if (request is null)
            return ErrorResponse(error!, id);

        if (!_methods.TryGetValue(request.Method, out var method))
            return request.IsNotification ? null : ErrorResponse(JsonRpcError.MethodNotFound, request.Id);

        if (method.Serialized is { } serialized && !method.Admin && HasNoParams(request.Params))
            return request.IsNotification ? null : RawResultResponse(serialized(), request.Id);

        JsonObject result;
        if (method.Admin && !isAuthorized(caller))
        {
            log.LogWarning("Refused admin method {Method} from {Caller}", method.Name, caller);
            result = RpcResult.Fail(PermissionDenied);
        }
        else if (method.Admin && adminRefusal is not null)
        {
            log.LogWarning("Refused admin method {Method} from {Caller}: {Reason}", method.Name, caller, adminRefusal);
            result = RpcResult.Fail(PermissionDenied);
        }
        else
        {
            RpcParams bound;
            try
            {
                bound = RpcParams.Bind(request.Params, method.ParamNames);
            }
            catch (RpcParamException e)
            {
                return request.IsNotification ? null : ErrorResponse(JsonRpcError.InvalidParams(e.Message), request.Id);
            }

            try
            {
                result = await method.Handler(new RpcCall(bound, caller, local), ct);
            }
            catch (RpcParamException e)
            {
                return request.IsNotification ? null : ErrorResponse(JsonRpcError.InvalidParams(e.Message), request.Id);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                // A bug, not the caller's fault: log it whole here, tell the caller only that it failed.
                log.LogError(e, "Method {Method} failed", method.Name);
                return request.IsNotification ? null : ErrorResponse(JsonRpcError.InternalError, request.Id);
            }
        }

        return request.IsNotification ? null : ResultResponse(result, request.Id);
    }

    private static bool HasNoParams(JsonElement? p) =>
        p is null || (p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 0)
        || (p.Value.ValueKind == JsonValueKind.Object && !p.Value.EnumerateObject().Any());

    public static byte[] RawResultResponse(byte[] result, JsonElement? id) =>
        Write(w =>
        {
            w.WritePropertyName("result");
            w.WriteRawValue(result, skipInputValidation: true);
        }, id);

    public static byte[] ResultResponse(JsonNode result, JsonElement? id) =>
        Write(w =>
        {
            w.WritePropertyName("result");
            result.WriteTo(w);
        }, id);

    public static byte[] ErrorResponse(JsonRpcError error, JsonElement? id) =>
        Write(w =>
        {
            w.WriteStartObject("error");
            w.WriteNumber("code", error.Code);
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }, id);

    private static byte[] Write(Action<Utf8JsonWriter> body, JsonElement? id)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("jsonrpc", "2.0");
            body(w);
            w.WritePropertyName("id");
            if (id is { } value)
                value.WriteTo(w);
            else
                w.WriteNullValue();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
