using System.Text.Json;

namespace Mnigs.Core.Protocol;

/// <summary>Parses one JSON-RPC 2.0 request body. Batches are refused as Invalid Request.</summary>
public static class JsonRpcParser
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

    /// <summary>Returns the request, or an error with the id when one could be read.</summary>
    public static (JsonRpcRequest? Request, JsonRpcError? Error, JsonElement? Id) Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, Options);
        }
        catch (JsonException)
        {
            return (null, JsonRpcError.ParseError, null);
        }

        // The document is kept alive by the elements cloned out of it.
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return (null, JsonRpcError.InvalidRequest, null);

            JsonElement? id = null;
            if (root.TryGetProperty("id", out var idElement))
            {
                if (idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
                    return (null, JsonRpcError.InvalidRequest, null);
                id = idElement.Clone();
            }

            if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
                return (null, JsonRpcError.InvalidRequest, id);
            if (!root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
                return (null, JsonRpcError.InvalidRequest, id);

            JsonElement? parameters = null;
            if (root.TryGetProperty("params", out var p))
            {
                if (p.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
                    return (null, JsonRpcError.InvalidRequest, id);
                parameters = p.Clone();
            }

            return (new JsonRpcRequest(method.GetString()!, parameters, id), null, id);
        }
    }
}
