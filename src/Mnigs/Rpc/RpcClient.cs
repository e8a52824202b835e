using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnigs.Rpc;

/// <summary>
/// Calls another daemon's (or the local daemon's) JSON-RPC endpoint. Transport faults and JSON-RPC
/// error objects come back as <see cref="RpcClientException"/> with a message a user can act on.
/// </summary>
public sealed class RpcClient(HttpClient http)
{
    private int _nextId;

    public static Uri EndpointOf(IPAddress address, int port) =>
        new($"http://{(address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{port}/jsonrpc");

    public async Task<JsonObject> CallAsync(Uri endpoint, string method, JsonObject? parameters, CancellationToken ct)
    {
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["method"] = method,
            ["params"] = parameters ?? [],
            ["id"] = Interlocked.Increment(ref _nextId),
        };
        using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(endpoint, content, ct);
        }
        catch (HttpRequestException e)
        {
            throw new RpcClientException($"no answer from {endpoint.Authority}: {e.InnerException?.Message ?? e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new RpcClientException($"no answer from {endpoint.Authority} within {http.Timeout.TotalSeconds:0.#} s", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            JsonNode? parsed;
            try
            {
                parsed = JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                throw new RpcClientException($"{endpoint.Authority} answered HTTP {(int)response.StatusCode} with something that is not JSON");
            }
            if (parsed is JsonObject envelope)
            {
                if (envelope["error"] is JsonObject error)
                    throw new RpcClientException($"{endpoint.Authority}: {error["message"]?.GetValue<string>() ?? "error"}");
                if (envelope["result"] is JsonObject result)
                    return result;
            }
            throw new RpcClientException($"{endpoint.Authority} answered HTTP {(int)response.StatusCode} without a JSON-RPC result");
        }
    }
}

public sealed class RpcClientException(string message, Exception? inner = null) : Exception(message, inner);
