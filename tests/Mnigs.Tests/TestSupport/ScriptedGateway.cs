using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Mnigs.Tests.TestSupport;

/// <summary>
/// A gateway that answers whatever the test scripts, per method: for a subscriber facing a broken or
/// hostile gateway. Unscripted methods answer <c>{success:false}</c>. Every call is recorded.
/// </summary>
internal sealed class ScriptedGateway : HttpMessageHandler
{
    private readonly List<(string Method, JsonNode? Params)> _calls = [];

    public Dictionary<string, Func<JsonNode?, JsonNode?>> Answers { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<(string Method, JsonNode? Params)> Calls
    {
        get
        {
            lock (_calls)
                return [.. _calls];
        }
    }

    /// <summary>The nodeInfo of a gateway offering babel-wireguard-free.</summary>
    public static JsonObject NodeInfo() => new()
    {
        ["success"] = true,
        ["name"] = "scripted",
        ["id"] = "scripted-id",
        ["gateway"] = true,
        ["suites"] = new JsonArray(new JsonObject { ["id"] = "babel-wireguard-free" }),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var call = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
        var method = call["method"]!.GetValue<string>();
        var parameters = call["params"]?.DeepClone();
        lock (_calls)
            _calls.Add((method, parameters));
        var result = Answers.TryGetValue(method, out var answer) ? answer(parameters) : new JsonObject { ["success"] = false, ["errorMsg"] = "unscripted" };
        var envelope = new JsonObject { ["jsonrpc"] = "2.0", ["result"] = result, ["id"] = call["id"]?.DeepClone() };
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/json") };
    }
}
