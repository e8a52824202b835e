using System.Text.Json.Nodes;

namespace Mnigs.Lab.Tests.Mesh;

/// <summary>Raw JSON-RPC from inside a namespace with curl, as any mesh peer (or attacker) could send it.</summary>
public static class MeshRpc
{
    public static async Task<JsonObject> CallAsync(string ns, string address, string method, JsonNode? parameters)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = 1 };
        if (parameters is not null)
            request["params"] = parameters;
        var body = request.ToJsonString();
        var r = await Shell.InNamespaceAsync(ns, "curl", "-sS", "--max-time", "10", "-H", "Content-Type: application/json",
            "--data-binary", body, $"http://{address}:65533/jsonrpc");
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"curl {method} to {address} from {ns} failed: {r.All}");
        var envelope = JsonNode.Parse(r.Stdout)!.AsObject();
        return envelope["result"]?.AsObject() ?? throw new InvalidOperationException($"{method}: no result: {r.Stdout}");
    }
}
