using System.Text.Json.Nodes;

namespace Mnigs.Core.Protocol;

/// <summary>Builders for the protocol's result objects: <c>{success:true,...}</c> or <c>{success:false, errorMsg}</c>.</summary>
public static class RpcResult
{
    public static JsonObject Ok() => new() { ["success"] = true };

    public static JsonObject Ok(JsonObject fields)
    {
        var result = new JsonObject { ["success"] = true };
        foreach (var (key, value) in fields.ToList())
        {
            fields.Remove(key);
            result[key] = value;
        }
        return result;
    }

    public static JsonObject Fail(string errorMsg, bool temporary = false)
    {
        var result = new JsonObject { ["success"] = false, ["errorMsg"] = errorMsg };
        if (temporary)
            result["temporaryError"] = true;
        return result;
    }

    public static bool IsSuccess(JsonNode? result) =>
        result is JsonObject o && o["success"] is JsonValue v && v.TryGetValue<bool>(out var ok) && ok;

    public static string ErrorOf(JsonNode? result) =>
        result is JsonObject o && o["errorMsg"] is JsonValue v && v.TryGetValue<string>(out var msg) ? msg : "unknown error";
}
