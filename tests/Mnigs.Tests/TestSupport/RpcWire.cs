using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mnigs.Rpc;

namespace Mnigs.Tests.TestSupport;

/// <summary>Builds JSON-RPC request bodies and reads the answers, the way a client of the daemon would.</summary>
internal static class RpcWire
{
    private static int _id;

    public static byte[] Request(string method, JsonNode? parameters = null, JsonNode? id = null)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = id ?? Interlocked.Increment(ref _id) };
        if (parameters is not null)
            request["params"] = parameters;
        return Encoding.UTF8.GetBytes(request.ToJsonString());
    }

    public static byte[] Notification(string method, JsonNode? parameters = null)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method };
        if (parameters is not null)
            request["params"] = parameters;
        return Encoding.UTF8.GetBytes(request.ToJsonString());
    }

    public static JsonObject Envelope(byte[]? body)
    {
        Assert.NotNull(body);
        var parsed = JsonNode.Parse(body);
        var envelope = Assert.IsType<JsonObject>(parsed);
        Assert.Equal("2.0", envelope["jsonrpc"]?.GetValue<string>());
        return envelope;
    }

    /// <summary>The <c>result</c> object of a successful JSON-RPC exchange (success may still be false).</summary>
    public static JsonObject Result(byte[]? body)
    {
        var envelope = Envelope(body);
        Assert.Null(envelope["error"]);
        return Assert.IsType<JsonObject>(envelope["result"]);
    }

    /// <summary>The <c>error</c> object of a transport-level fault.</summary>
    public static (int Code, string Message) Error(byte[]? body)
    {
        var envelope = Envelope(body);
        Assert.Null(envelope["result"]);
        var error = Assert.IsType<JsonObject>(envelope["error"]);
        return (error["code"]!.GetValue<int>(), error["message"]!.GetValue<string>());
    }

    public static async Task<JsonObject> CallAsync(RpcDispatcher dispatcher, string method, JsonNode? parameters, IPAddress caller, IPAddress? local = null) =>
        Result(await dispatcher.HandleAsync(Request(method, parameters), caller, local ?? IPAddress.Parse("fd00::1"), CancellationToken.None));

    public static bool Success(JsonObject result) => result["success"]!.GetValue<bool>();

    public static string ErrorMsg(JsonObject result)
    {
        Assert.False(Success(result), "expected a refusal, got " + result.ToJsonString());
        return result["errorMsg"]!.GetValue<string>();
    }
}
