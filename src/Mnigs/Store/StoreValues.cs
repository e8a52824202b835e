using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Mnigs.Core.Suites;

namespace Mnigs.Store;

/// <summary>How values are written to and read from columns: unix milliseconds, addresses as text, JSON as text.</summary>
internal static class StoreValues
{
    public static long Millis(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    public static object Millis(DateTimeOffset? at) => at is { } t ? t.ToUnixTimeMilliseconds() : DBNull.Value;

    public static object Text(string? text) => text is null ? DBNull.Value : text;

    public static object Text(IPAddress? address) => address is null ? DBNull.Value : address.ToString();

    public static string Json(JsonObject obj) => obj.ToJsonString();

    public static string JsonStrings(IEnumerable<string> items)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
                writer.WriteStringValue(item);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static List<string> ReadJsonStrings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? "")];
    }

    public static JsonObject ReadJsonObject(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"Stored JSON is not an object: {json}");

    public static DateTimeOffset GetTime(this SqliteDataReader r, int i) =>
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));

    public static DateTimeOffset? GetTimeOrNull(this SqliteDataReader r, int i) =>
        r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));

    public static string? GetStringOrNull(this SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public static IPAddress GetAddress(this SqliteDataReader r, int i) => IPAddress.Parse(r.GetString(i));

    public static IPAddress? GetAddressOrNull(this SqliteDataReader r, int i) => r.IsDBNull(i) ? null : IPAddress.Parse(r.GetString(i));

    public static Suite ParseSuite(string text) =>
        Suite.TryParse(text, out var suite) ? suite : throw new InvalidDataException($"Stored suite id is not valid: {text}");

    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static string Text(GatewaySource source) => source switch
    {
        GatewaySource.Scan => "scan",
        GatewaySource.Directory => "directory",
        GatewaySource.Hint => "hint",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };

    public static GatewaySource ParseGatewaySource(string text) => text switch
    {
        "scan" => GatewaySource.Scan,
        "directory" => GatewaySource.Directory,
        "hint" => GatewaySource.Hint,
        _ => throw new InvalidDataException($"Stored gateway source is not valid: {text}"),
    };

    public static string Text(ConnectionState state) => state switch
    {
        ConnectionState.Connecting => "connecting",
        ConnectionState.Up => "up",
        ConnectionState.Down => "down",
        ConnectionState.Released => "released",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static ConnectionState ParseConnectionState(string text) => text switch
    {
        "connecting" => ConnectionState.Connecting,
        "up" => ConnectionState.Up,
        "down" => ConnectionState.Down,
        "released" => ConnectionState.Released,
        _ => throw new InvalidDataException($"Stored connection state is not valid: {text}"),
    };

    public static string Text(ScanHostKind kind) => kind switch
    {
        ScanHostKind.Self => "self",
        ScanHostKind.Node => "node",
        ScanHostKind.Gateway => "gateway",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static ScanHostKind ParseScanHostKind(string text) => text switch
    {
        "self" => ScanHostKind.Self,
        "node" => ScanHostKind.Node,
        "gateway" => ScanHostKind.Gateway,
        _ => throw new InvalidDataException($"Stored host kind is not valid: {text}"),
    };
}
