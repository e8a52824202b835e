using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnigs.Core.Protocol;

/// <summary>
/// Binds positional or named params to a method's declared parameter names and reads them with
/// type checks. Every failure is a plain <see cref="RpcParamException"/> naming the parameter.
/// </summary>
public sealed class RpcParams
{
    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);

    private RpcParams() { }

    public static RpcParams Bind(JsonElement? raw, IReadOnlyList<string> names)
    {
        var bound = new RpcParams();
        if (raw is not { } p)
            return bound;
        if (p.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in p.EnumerateArray())
            {
                if (i >= names.Count)
                    throw new RpcParamException($"too many parameters: expected at most {names.Count}");
                if (item.ValueKind != JsonValueKind.Null)
                    bound._values[names[i]] = item;
                i++;
            }
        }
        else
        {
            foreach (var prop in p.EnumerateObject())
            {
                if (!names.Contains(prop.Name))
                    throw new RpcParamException($"unknown parameter '{Truncate(prop.Name)}'");
                if (prop.Value.ValueKind != JsonValueKind.Null)
                    bound._values[prop.Name] = prop.Value;
            }
        }
        return bound;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? String(string name, int maxLength = 256, bool required = false)
    {
        if (!_values.TryGetValue(name, out var v))
            return required ? throw new RpcParamException($"'{name}' is required") : null;
        if (v.ValueKind != JsonValueKind.String)
            throw new RpcParamException($"'{name}' must be a string");
        var s = v.GetString()!;
        if (s.Length > maxLength)
            throw new RpcParamException($"'{name}' is longer than {maxLength} characters");
        return s;
    }

    public int? Int(string name, int min, int max, bool required = false)
    {
        if (!_values.TryGetValue(name, out var v))
            return required ? throw new RpcParamException($"'{name}' is required") : null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < min || n > max)
            throw new RpcParamException($"'{name}' must be a whole number from {min} to {max}");
        return n;
    }

    public bool? Bool(string name)
    {
        if (!_values.TryGetValue(name, out var v))
            return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new RpcParamException($"'{name}' must be true or false"),
        };
    }

    public JsonObject? Object(string name, int maxBytes = 4096)
    {
        if (!_values.TryGetValue(name, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Object)
            throw new RpcParamException($"'{name}' must be an object");
        if (v.GetRawText().Length > maxBytes)
            throw new RpcParamException($"'{name}' is larger than {maxBytes} bytes");
        return JsonObject.Create(v);
    }

    public IReadOnlyList<string>? StringList(string name, int maxItems = 64, int maxLength = 512)
    {
        if (!_values.TryGetValue(name, out var v))
            return null;
        if (v.ValueKind == JsonValueKind.String)
            return [String(name, maxLength)!];
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > maxItems)
            throw new RpcParamException($"'{name}' must be a list of at most {maxItems} strings");
        var list = new List<string>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString()!.Length > maxLength)
                throw new RpcParamException($"'{name}' must be a list of strings");
            list.Add(item.GetString()!);
        }
        return list;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}

public sealed class RpcParamException(string message) : Exception(message);
