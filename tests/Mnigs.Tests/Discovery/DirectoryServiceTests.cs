using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Directory;
using Mnigs.Discovery;
using Mnigs.Store;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Discovery;

/// <summary>The directory as the daemon runs it: publishing, withdrawal, and what peers may and may not change.</summary>
public sealed class DirectoryServiceTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("fd00::77");

    /// <summary>Another gateway on the mesh, with its own node key.</summary>
    private sealed class OtherGateway : IDisposable
    {
        private readonly ScratchDirectory _dir = new("other-gateway");

        public OtherGateway() => Key = NodeKey.LoadOrCreate(_dir.File("node.key"));

        public NodeKey Key { get; }

        public DirectoryRecord Record(DateTimeOffset now, string name = "roof", long sequence = 1, bool withdrawn = false) =>
            DirectoryRecord.Sign(new NodeKeyRecords(Key), name, [new GatewayAddress("babel", "10.77.0.9")], 65533,
                withdrawn ? [] : [SuiteOffer.Free("babel-wireguard-free")], 0, 8, sequence, now, now.AddMinutes(10), withdrawn);

        public void Dispose()
        {
            Key.Dispose();
            _dir.Dispose();
        }
    }

    private static JsonObject Offer(params JsonObject[] records) =>
        new() { ["records"] = new JsonArray([.. records.Select(r => (JsonNode)r)]), ["want"] = new JsonArray() };

    private static async Task<JsonObject> SendAsync(DaemonRig rig, JsonObject message) =>
        await rig.CallAsync("directorySync", new JsonObject { ["message"] = message }, Peer);

    private static async Task<JsonArray> ListAsync(DaemonRig rig) =>
        (await rig.CallAsync("listGateways", null, IPAddress.Loopback))["gateways"]!.AsArray();

    [Fact]
    public async Task A_serving_gateway_publishes_a_signed_record_with_its_suites()
    {
        await using var rig = await DaemonRig.StartAsync();
        await rig.Directory.PublishAsync(CancellationToken.None);

        var own = rig.Directory.Find(rig.NodeKey.NodeId);
        Assert.NotNull(own);
        Assert.False(own.Withdrawn);
        Assert.True(own.Verify(new NodeKeyRecords(rig.NodeKey)));
        Assert.Equal(["babel-wireguard-free"], own.Suites.Select(s => s.Id));
        Assert.Contains(own.Addresses, a => a is { Network: "babel", Address: "fd00::1" });
        Assert.Equal(rig.Clock.GetUtcNow().AddSeconds(rig.Config.RecordLifetime).ToUnixTimeSeconds(), own.ExpiresAt);
    }

    [Fact]
    public async Task A_round_on_a_node_with_no_neighbours_and_no_known_daemons_runs_without_error()
    {
        // Found in a container with no mesh: every round threw (a .NET 10 LINQ fault with Skip past an empty list).
        await using var rig = await DaemonRig.StartAsync();
        await rig.Directory.RoundAsync(CancellationToken.None);
        Assert.NotNull(rig.Directory.Find(rig.NodeKey.NodeId));
    }

    [Fact]
    public async Task A_gateway_that_stops_serving_withdraws_its_record()
    {
        await using var rig = await DaemonRig.StartAsync();
        await rig.Directory.PublishAsync(CancellationToken.None);
        var published = rig.Directory.Find(rig.NodeKey.NodeId)!;

        rig.Babel.Available = false;
        await rig.Networks.RefreshAsync(CancellationToken.None);
        rig.Clock.Advance(TimeSpan.FromSeconds(1));
        await rig.Directory.PublishAsync(CancellationToken.None);

        var withdrawn = rig.Directory.Find(rig.NodeKey.NodeId)!;
        Assert.True(withdrawn.Withdrawn);
        Assert.True(withdrawn.Sequence > published.Sequence);
        Assert.Empty(withdrawn.Suites);
    }

    [Fact]
    public async Task A_valid_record_from_a_peer_is_learned_listed_and_kept_across_a_restart()
    {
        using var other = new OtherGateway();
        await using var rig = await DaemonRig.StartAsync(c => c with { GatewayEnabled = false });

        var reply = await SendAsync(rig, Offer(other.Record(rig.Clock.GetUtcNow()).ToJson()));
        Assert.True(reply["success"]!.GetValue<bool>(), reply.ToJsonString());

        var listed = Assert.Single(await ListAsync(rig))!;
        Assert.Equal("roof", listed["name"]!.GetValue<string>());
        Assert.Equal(other.Key.NodeId, listed["id"]!.GetValue<string>());
        Assert.Equal("directory", listed["source"]!.GetValue<string>());

        await rig.RestartAsync();
        Assert.Equal(other.Key.NodeId, Assert.Single(await ListAsync(rig))!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Forged_tampered_and_expired_records_are_refused_counted_and_change_nothing()
    {
        using var honest = new OtherGateway();
        using var forger = new OtherGateway();
        await using var rig = await DaemonRig.StartAsync(c => c with { GatewayEnabled = false });
        var now = rig.Clock.GetUtcNow();
        await SendAsync(rig, Offer(honest.Record(now, sequence: 5).ToJson()));

        // A record for the honest gateway's id, signed with another key.
        var forged = honest.Record(now, sequence: 6).ToJson();
        forged["signature"] = forger.Record(now, sequence: 6).ToJson()["signature"]!.DeepClone();
        // The honest record with its name changed after signing.
        var tampered = honest.Record(now, sequence: 7).ToJson();
        tampered["name"] = "evil";
        // A replay of an older record, and one that has expired.
        var replay = honest.Record(now, sequence: 1).ToJson();
        var expired = forger.Record(now.AddHours(-2)).ToJson();

        await SendAsync(rig, Offer(forged, tampered, replay, expired));

        var kept = rig.Directory.Find(honest.Key.NodeId)!;
        Assert.Equal(5, kept.Sequence);
        Assert.Equal("roof", kept.Name);
        Assert.Null(rig.Directory.Find(forger.Key.NodeId));
        Assert.Single(await ListAsync(rig));
        var refused = rig.Directory.Rejections;
        Assert.Equal(2, refused[RecordRejection.BadSignature]);
        Assert.Equal(1, refused[RecordRejection.Expired]);
        var status = await rig.CallAsync("status", null, IPAddress.Loopback);
        Assert.Equal(2, status["directory"]!["refused"]!["BadSignature"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_withdrawal_hides_the_gateway_even_where_a_scan_found_it()
    {
        using var other = new OtherGateway();
        await using var rig = await DaemonRig.StartAsync(c => c with { GatewayEnabled = false });
        var now = rig.Clock.GetUtcNow();
        await rig.Store.UpsertGatewayAsync(new GatewayRecord
        {
            NodeId = other.Key.NodeId,
            Name = "roof",
            Address = IPAddress.Parse("10.77.0.9"),
            Port = 65533,
            Suites = [],
            Source = GatewaySource.Scan,
            LearnedAt = now,
            LastSeen = now,
        });
        await SendAsync(rig, Offer(other.Record(now, sequence: 1).ToJson()));
        Assert.Equal("directory+scan", Assert.Single(await ListAsync(rig))!["source"]!.GetValue<string>());

        rig.Clock.Advance(TimeSpan.FromSeconds(30));
        await SendAsync(rig, Offer(other.Record(rig.Clock.GetUtcNow(), sequence: 2, withdrawn: true).ToJson()));

        Assert.Empty(await ListAsync(rig));
    }

    [Fact]
    public async Task A_hello_with_a_different_summary_gets_the_digest_and_an_equal_one_gets_in_sync()
    {
        using var other = new OtherGateway();
        await using var rig = await DaemonRig.StartAsync(c => c with { GatewayEnabled = false });
        var record = other.Record(rig.Clock.GetUtcNow());
        await SendAsync(rig, Offer(record.ToJson()));

        var differs = await SendAsync(rig, new JsonObject { ["summary"] = "AAAAAAAAAAAAAAAAAAAAAA" });
        var digest = differs["message"]!["digest"]!.AsObject();
        Assert.Equal(record.Sequence, Assert.Single(digest).Value!.GetValue<long>());

        // A peer holding exactly the same records: one tiny answer, nothing else exchanged.
        var same = new DirectoryBook(new NodeKeyRecords(other.Key));
        same.Merge(record, rig.Clock.GetUtcNow());
        var equal = await SendAsync(rig, new JsonObject { ["summary"] = same.Summary() });
        Assert.True(equal["message"]!["inSync"]!.GetValue<bool>(), equal.ToJsonString());
    }
}
