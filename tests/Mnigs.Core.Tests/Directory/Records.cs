using System.Text.Json;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;

namespace Mnigs.Core.Tests.Directory;

/// <summary>Records for tests: signed by a <see cref="TestKey"/>, valid for 30 minutes from <see cref="T0"/>.</summary>
internal static class Records
{
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly TestKey Alice = new(1);
    public static readonly TestKey Bob = new(2);
    public static readonly TestKey Carol = new(3);
    public static readonly TestKey Mallory = new(66);

    public static DirectoryRecord Signed(IRecordSigner key, long sequence = 1, bool withdrawn = false, DateTimeOffset? issued = null,
        TimeSpan? lifetime = null, string name = "gw", int load = 2)
    {
        var at = issued ?? T0;
        return DirectoryRecord.Sign(key, name,
            withdrawn ? [] : [new GatewayAddress("babel", "fd00::1"), new GatewayAddress("yggdrasil", "200:1234::1")],
            65533,
            withdrawn ? [] : [SuiteOffer.Free("babel-wireguard-free"), SuiteOffer.At("yggdrasil-openvpn-voucher", 1.25m)],
            load, 32, sequence, at, at + (lifetime ?? TimeSpan.FromMinutes(30)), withdrawn);
    }

    public static JsonElement Json(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    /// <summary>The record's wire form with one property changed by <paramref name="edit"/>.</summary>
    public static JsonElement Edited(DirectoryRecord record, Action<JsonObject> edit)
    {
        var json = record.ToJson();
        edit(json);
        return Json(json);
    }

    public static DirectoryRecord Parsed(JsonElement json)
    {
        Assert.True(DirectoryRecord.TryParse(json, out var record, out var error), error);
        return record;
    }
}
