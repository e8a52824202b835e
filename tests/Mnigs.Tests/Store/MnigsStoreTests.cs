using System.Net;
using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Mnigs.Core.Gateway;
using Mnigs.Core.Suites;
using Mnigs.Store;

namespace Mnigs.Tests.Store;

// The daemon is Linux-only (see src/Mnigs/Properties.cs).
[SupportedOSPlatform("linux")]
public sealed class MnigsStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_123);
    private static readonly Suite BabelWireGuardFree = new("babel", "wireguard", "free");

    private readonly ManualTime _time = new(T0);
    private readonly StoreScratch _scratch;

    public MnigsStoreTests() => _scratch = new StoreScratch(_time);

    public void Dispose() => _scratch.Dispose();

    private string DbPath => _scratch.DbPath;

    private MnigsStore Open(int qualityHistory = MnigsStore.DefaultQualityHistory) => _scratch.Open(qualityHistory);

    private SqliteConnection Raw() => _scratch.Raw();

    private static object? Scalar(SqliteConnection db, string sql) => StoreScratch.Scalar(db, sql);

    private static GatewaySession Session(string sid, int n = 2) => new()
    {
        Sid = sid,
        MeshAddress = IPAddress.Parse($"fd00::{n:x}"),
        Suite = BabelWireGuardFree,
        SubscriberId = "sub-" + sid,
        Name = "laptop " + n,
        Port = 51820 + n,
        Ipv4 = IPAddress.Parse($"100.64.0.{n}"),
        Ipv6 = IPAddress.Parse($"fd64::{n:x}"),
        TunnelState = new JsonObject { ["publicKey"] = "pk" + sid, ["nested"] = new JsonObject { ["n"] = n } },
        PaymentState = "active",
        CreatedAt = T0,
        ExpiresAt = T0.AddHours(1),
    };

    private static ConnectionRecord Connection(ConnectionState state = ConnectionState.Connecting) => new()
    {
        GatewayAddress = IPAddress.Parse("fd00::1"),
        GatewayPort = 65533,
        GatewayId = "gw-node-id",
        GatewayName = "village gateway",
        Suite = BabelWireGuardFree,
        Sid = "0123456789abcdef0123456789abcdef",
        Interface = "mnigs-s0",
        Ipv4 = IPAddress.Parse("100.64.0.2"),
        Ipv6 = null,
        Tunnel = new JsonObject { ["publicKey"] = "gateway-pk", ["endpointPort"] = 51820 },
        Secret = "c3VwZXIgc2VjcmV0IHByaXZhdGUga2V5IQ==",
        State = state,
        CreatedAt = T0,
        ExpiresAt = T0.AddMinutes(30),
    };

    [Fact]
    public void Migrations_create_the_schema_and_set_user_version()
    {
        using (Open()) { }

        using var db = Raw();
        Assert.Equal((long)MnigsStore.SchemaVersion, Scalar(db, "PRAGMA user_version"));
        using var command = db.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        var tables = new HashSet<string>();
        using (var r = command.ExecuteReader())
            while (r.Read())
                tables.Add(r.GetString(0));
        Assert.Superset(new HashSet<string> { "nodes", "gateways", "sessions", "connections", "scans", "hosts", "links", "quality_samples" }, tables);
    }

    [Fact]
    public async Task Reopening_a_current_database_keeps_its_version_and_data()
    {
        await using (var store = Open())
            await store.SaveSessionAsync(Session("a"));

        await using var again = Open();

        Assert.Single(await again.LoadSessionsAsync());
        using var db = Raw();
        Assert.Equal((long)MnigsStore.SchemaVersion, Scalar(db, "PRAGMA user_version"));
    }

    [Fact]
    public void Wal_mode_is_on()
    {
        using var store = Open();
        using var db = Raw();

        Assert.Equal("wal", Scalar(db, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Directory_is_created_0700_and_the_files_0600()
    {
        await using var store = Open();
        await store.SaveConnectionAsync(Connection());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_scratch.StateDir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DbPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DbPath + "-wal"));
    }

    [Fact]
    public async Task Existing_database_readable_by_others_is_made_0600()
    {
        await using (Open()) { }
        File.SetUnixFileMode(DbPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var store = Open();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DbPath));
    }

    [Fact]
    public void Database_from_a_newer_version_is_refused_with_a_plain_message()
    {
        Directory.CreateDirectory(_scratch.StateDir);
        using (var db = Raw())
        using (var command = db.CreateCommand())
        {
            command.CommandText = $"PRAGMA user_version = {MnigsStore.SchemaVersion + 1}";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<InvalidOperationException>(() => Open());

        Assert.Contains("newer Mnigs", error.Message);
        using var check = Raw();
        Assert.Equal((long)MnigsStore.SchemaVersion + 1, Scalar(check, "PRAGMA user_version"));
    }

    [Fact]
    public void File_that_is_not_a_database_is_refused_with_a_plain_message()
    {
        Directory.CreateDirectory(_scratch.StateDir);
        File.WriteAllText(DbPath, new string('x', 4096));

        var error = Assert.Throws<InvalidOperationException>(() => Open());

        Assert.Contains("Cannot open the Mnigs database", error.Message);
    }

    [Fact]
    public async Task Session_saved_comes_back_with_every_field_after_reopening()
    {
        var saved = Session("0123456789abcdef0123456789abcdef");
        await using (var store = Open())
            await store.SaveSessionAsync(saved);

        await using var reopened = Open();
        var loaded = Assert.Single(await reopened.LoadSessionsAsync());

        Assert.Equal(saved.Sid, loaded.Sid);
        Assert.Equal(saved.MeshAddress, loaded.MeshAddress);
        Assert.Equal(saved.Suite, loaded.Suite);
        Assert.Equal(saved.SubscriberId, loaded.SubscriberId);
        Assert.Equal(saved.Name, loaded.Name);
        Assert.Equal(saved.Port, loaded.Port);
        Assert.Equal(saved.Ipv4, loaded.Ipv4);
        Assert.Equal(saved.Ipv6, loaded.Ipv6);
        Assert.True(JsonNode.DeepEquals(saved.TunnelState, loaded.TunnelState));
        Assert.Equal(saved.PaymentState, loaded.PaymentState);
        Assert.Equal(saved.CreatedAt, loaded.CreatedAt);
        Assert.Equal(saved.ExpiresAt, loaded.ExpiresAt);
        Assert.Equal(saved with { TunnelState = loaded.TunnelState }, loaded);
    }

    [Fact]
    public async Task Session_without_addresses_and_with_a_hyphenated_network_round_trips()
    {
        var saved = Session("s1") with { Ipv4 = null, Ipv6 = null, Suite = new Suite("batman-adv", "ipip", "voucher"), PaymentState = "pending" };
        await using var store = Open();

        await store.SaveSessionAsync(saved);

        var loaded = Assert.Single(await store.LoadSessionsAsync());
        Assert.Null(loaded.Ipv4);
        Assert.Null(loaded.Ipv6);
        Assert.Equal("batman-adv", loaded.Suite.Network);
        Assert.Equal("pending", loaded.PaymentState);
    }

    [Fact]
    public async Task Saving_a_session_again_replaces_it_and_keeps_its_counters()
    {
        await using var store = Open();
        await store.SaveSessionAsync(Session("s1"));
        Assert.True(await store.UpdateSessionCountersAsync("s1", new SessionCounters(1000, 2000)));

        await store.SaveSessionAsync(Session("s1") with { ExpiresAt = T0.AddHours(2) });

        var loaded = Assert.Single(await store.LoadSessionsAsync());
        Assert.Equal(T0.AddHours(2), loaded.ExpiresAt);
        Assert.Equal(new SessionCounters(1000, 2000), (await store.LoadSessionCountersAsync())["s1"]);
    }

    [Fact]
    public async Task Deleted_session_is_gone()
    {
        await using var store = Open();
        await store.SaveSessionAsync(Session("s1"));

        Assert.True(await store.DeleteSessionAsync("s1"));
        Assert.False(await store.DeleteSessionAsync("s1"));
        Assert.Empty(await store.LoadSessionsAsync());
        Assert.False(await store.UpdateSessionCountersAsync("s1", new SessionCounters(1, 1)));
    }

    [Fact]
    public async Task Concurrent_saves_from_many_tasks_all_land()
    {
        await using var store = Open();

        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            for (var j = 0; j < 5; j++)
                await store.SaveSessionAsync(Session($"s{i:d3}-{j}", i + 1));
            await store.ListGatewaysAsync();
        })));

        Assert.Equal(64 * 5, (await store.LoadSessionsAsync()).Count);
    }

    [Fact]
    public async Task Connection_saved_is_the_active_one_until_released()
    {
        await using var store = Open();
        var id = await store.SaveConnectionAsync(Connection());

        var active = await store.ActiveConnectionAsync();
        Assert.NotNull(active);
        Assert.Equal(Connection() with { Id = id, Tunnel = active.Tunnel }, active);
        Assert.True(JsonNode.DeepEquals(Connection().Tunnel, active.Tunnel));

        Assert.True(await store.UpdateConnectionStateAsync(id, ConnectionState.Up));
        Assert.Equal(ConnectionState.Up, (await store.ActiveConnectionAsync())!.State);

        _time.Now = T0.AddMinutes(5);
        Assert.True(await store.UpdateConnectionStateAsync(id, ConnectionState.Released));
        Assert.Null(await store.ActiveConnectionAsync());
        var released = Assert.Single(await store.ListConnectionsAsync());
        Assert.Equal(ConnectionState.Released, released.State);
        Assert.Equal(T0.AddMinutes(5), released.ReleasedAt);
        Assert.Null(released.Secret);
        Assert.False(await store.UpdateConnectionStateAsync(id + 1, ConnectionState.Up));
    }

    [Fact]
    public async Task Saving_a_connection_with_its_id_updates_it()
    {
        await using var store = Open();
        var id = await store.SaveConnectionAsync(Connection() with { Sid = null, ExpiresAt = null });

        var sameId = await store.SaveConnectionAsync(Connection() with { Id = id, State = ConnectionState.Up });

        Assert.Equal(id, sameId);
        var only = Assert.Single(await store.ListConnectionsAsync());
        Assert.Equal(ConnectionState.Up, only.State);
        Assert.Equal(Connection().Sid, only.Sid);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveConnectionAsync(Connection() with { Id = id + 10 }));
    }

    [Fact]
    public async Task Active_connection_is_the_newest_connecting_or_up_one()
    {
        await using var store = Open();
        await store.SaveConnectionAsync(Connection(ConnectionState.Down));
        var up = await store.SaveConnectionAsync(Connection(ConnectionState.Up));
        await store.SaveConnectionAsync(Connection(ConnectionState.Released));

        Assert.Equal(up, (await store.ActiveConnectionAsync())?.Id);
        Assert.Equal(3, (await store.ListConnectionsAsync()).Count);
        Assert.Single(await store.ListConnectionsAsync(limit: 1));
    }

    [Fact]
    public void Connection_record_does_not_print_its_secret()
    {
        var text = Connection().ToString();

        Assert.DoesNotContain(Connection().Secret!, text);
        Assert.Contains("mnigs-s0", text);
    }

    [Fact]
    public async Task Gateway_upsert_keeps_first_learned_and_a_hint_does_not_overwrite_a_scan()
    {
        await using var store = Open();
        var scanned = new GatewayRecord
        {
            NodeId = "gw-node-id",
            Name = "village gateway",
            Address = IPAddress.Parse("fd00::1"),
            Port = 65533,
            Suites = [BabelWireGuardFree, new Suite("yggdrasil", "openvpn", "voucher")],
            Source = GatewaySource.Scan,
            LearnedAt = T0,
            LastSeen = T0,
        };
        await store.UpsertGatewayAsync(scanned);

        await store.UpsertGatewayAsync(new GatewayRecord
        {
            Address = scanned.Address,
            Port = 65533,
            Source = GatewaySource.Hint,
            LearnedAt = T0.AddMinutes(1),
            LastSeen = T0.AddMinutes(1),
        });

        var gateway = Assert.Single(await store.ListGatewaysAsync());
        Assert.Equal(scanned.NodeId, gateway.NodeId);
        Assert.Equal(scanned.Name, gateway.Name);
        Assert.Equal(scanned.Suites, gateway.Suites);
        Assert.Equal(GatewaySource.Scan, gateway.Source);
        Assert.Equal(T0, gateway.LearnedAt);
        Assert.Equal(T0.AddMinutes(1), gateway.LastSeen);
    }

    [Fact]
    public async Task Hint_is_replaced_by_what_a_scan_finds()
    {
        await using var store = Open();
        var address = IPAddress.Parse("10.0.0.1");
        await store.UpsertGatewayAsync(new GatewayRecord { Address = address, Port = 65533, Source = GatewaySource.Hint, LearnedAt = T0, LastSeen = T0 });

        await store.UpsertGatewayAsync(new GatewayRecord
        {
            NodeId = "id",
            Name = "gw",
            Address = address,
            Port = 65533,
            Suites = [BabelWireGuardFree],
            Source = GatewaySource.Directory,
            LearnedAt = T0.AddMinutes(1),
            LastSeen = T0.AddMinutes(1),
        });

        var gateway = Assert.Single(await store.ListGatewaysAsync());
        Assert.Equal(GatewaySource.Directory, gateway.Source);
        Assert.Equal("gw", gateway.Name);
        Assert.Equal(T0, gateway.LearnedAt);
    }

    [Fact]
    public async Task Node_upsert_keeps_first_seen_and_updates_the_rest()
    {
        await using var store = Open();
        await store.UpsertNodeAsync(new NodeRecord { Id = "n1", Name = "old", Addresses = [IPAddress.Parse("fd00::5")], RpcPort = 65533, FirstSeen = T0, LastSeen = T0 });

        await store.UpsertNodeAsync(new NodeRecord
        {
            Id = "n1",
            Name = "new",
            Addresses = [IPAddress.Parse("fd00::5"), IPAddress.Parse("10.0.0.5")],
            RpcPort = 65534,
            FirstSeen = T0.AddHours(1),
            LastSeen = T0.AddHours(1),
        });

        var node = Assert.Single(await store.ListNodesAsync());
        Assert.Equal("new", node.Name);
        Assert.Equal([IPAddress.Parse("fd00::5"), IPAddress.Parse("10.0.0.5")], node.Addresses);
        Assert.Equal(65534, node.RpcPort);
        Assert.Equal(T0, node.FirstSeen);
        Assert.Equal(T0.AddHours(1), node.LastSeen);
    }

    [Fact]
    public async Task Last_scan_returns_hosts_and_links_of_the_newest_finished_scan()
    {
        await using var store = Open();
        Assert.Null(await store.LastScanAsync());
        var self = IPAddress.Parse("fd00::1");
        var gw = IPAddress.Parse("fd00::2");
        var relay = IPAddress.Parse("fe80::3%2");

        var id = await store.StartScanAsync();
        _time.Now = T0.AddSeconds(7);
        await store.FinishScanAsync(id,
            [
                new ScanHost(self, "me", "self", ScanHostKind.Self, true),
                new ScanHost(gw, "gw", "gateway", ScanHostKind.Gateway, true),
                new ScanHost(relay, null, "", ScanHostKind.Node, false),
            ],
            [new ScanLink(self, gw, "babel"), new ScanLink(self, gw, "babel"), new ScanLink(gw, relay, "babel")]);
        await store.StartScanAsync(); // still running: not the last finished one

        var scan = await store.LastScanAsync();

        Assert.NotNull(scan);
        Assert.Equal(id, scan.Id);
        Assert.Equal(T0, scan.StartedAt);
        Assert.Equal(T0.AddSeconds(7), scan.FinishedAt);
        Assert.Equal(3, scan.HostsProbed);
        Assert.Equal(1, scan.GatewaysFound);
        Assert.Equal(new ScanHost(relay, null, "", ScanHostKind.Node, false), scan.Hosts[2]);
        Assert.Equal([new ScanLink(self, gw, "babel"), new ScanLink(gw, relay, "babel")], scan.Links);
    }

    [Fact]
    public async Task Only_the_newest_scans_are_kept()
    {
        await using var store = Open();
        long first = 0;
        for (var i = 0; i < MnigsStore.KeptScans + 3; i++)
        {
            var id = await store.StartScanAsync();
            if (i == 0)
                first = id;
            await store.FinishScanAsync(id, [new ScanHost(IPAddress.Loopback, null, "", ScanHostKind.Self, true)], []);
        }

        using var db = Raw();
        Assert.Equal((long)MnigsStore.KeptScans, Scalar(db, "SELECT count(*) FROM scans"));
        Assert.Equal((long)MnigsStore.KeptScans, Scalar(db, "SELECT count(*) FROM hosts"));
        Assert.Equal(0L, Scalar(db, $"SELECT count(*) FROM scans WHERE id = {first}"));
    }

    [Fact]
    public async Task Finishing_an_unknown_scan_is_a_bug()
    {
        await using var store = Open();

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.FinishScanAsync(42, [], []));
    }

    [Fact]
    public async Task Disposed_store_refuses_calls()
    {
        var store = Open();
        await store.DisposeAsync();
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.LoadSessionsAsync());
    }
}
