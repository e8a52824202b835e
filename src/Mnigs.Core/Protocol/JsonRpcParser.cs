using System.Text.Json;
using System.Text.Unicode;

namespace Mnigs.Core.Protocol;

/// <summary>Parses one JSON-RPC 2.0 request body. Batches are refused as Invalid Request.</summary>
public static class JsonRpcParser
{
    // Duplicate names would make a reader pick one of them silently (and JsonObject throws on them).
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32, AllowDuplicateProperties = false };

    /// <summary>Returns the request, or an error with the id when one could be read.</summary>
    public static (JsonRpcRequest? Request, JsonRpcError? Error, JsonElement? Id) Parse(ReadOnlyMemory<byte> body)
    {
        // JsonDocument checks the grammar but decodes strings only when they are read: invalid UTF-8 or a
        // lone surrogate escape would throw later, in whichever method reads it. Refuse them here, whole.
        if (!Utf8.IsValid(body.Span))
            return (null, JsonRpcError.ParseError, null);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, Options);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: the duplicate-name check decodes names and meets a lone surrogate.
            return (null, JsonRpcError.ParseError, null);
        }
        if (!Decodable(doc.RootElement))
        {
            doc.Dispose();
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

    /// <summary>Whether every string and property name in <paramref name="element"/> can be read as a .NET string.</summary>
    private static bool Decodable(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                        if (!Decodable(item))
                            return false;
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        if (!Decodable(property.Value))
                            return false;
                    }
                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
