using Microsoft.Data.Sqlite;
using static Mnigs.Store.StoreValues;

namespace Mnigs.Store;

// Subscriber side: the connections this node made through gateways.
public sealed partial class MnigsStore
{
    private const string ConnectionColumns = """
        id, gateway_address, gateway_port, gateway_id, gateway_name, suite, sid, interface, ipv4, ipv6,
        tunnel, secret, state, created_at, expires_at, released_at
        """;

    /// <summary>
    /// Saves a new connection (<see cref="ConnectionRecord.Id"/> 0) or replaces the one with its id,
    /// and returns the id. A released connection's secret is not kept: nothing needs it any more.
    /// </summary>
    public Task<long> SaveConnectionAsync(ConnectionRecord connection, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return RunAsync(db =>
        {
            var released = connection.State == ConnectionState.Released;
            var sql = connection.Id == 0
                ? """
                  INSERT INTO connections (gateway_address, gateway_port, gateway_id, gateway_name, suite, sid, interface,
                                           ipv4, ipv6, tunnel, secret, state, created_at, expires_at, released_at)
                  VALUES ($gateway_address, $gateway_port, $gateway_id, $gateway_name, $suite, $sid, $interface,
                          $ipv4, $ipv6, $tunnel, $secret, $state, $created_at, $expires_at, $released_at)
                  RETURNING id
                  """
                : """
                  UPDATE connections SET
                      gateway_address = $gateway_address, gateway_port = $gateway_port, gateway_id = $gateway_id,
                      gateway_name = $gateway_name, suite = $suite, sid = $sid, interface = $interface,
                      ipv4 = $ipv4, ipv6 = $ipv6, tunnel = $tunnel, secret = $secret, state = $state,
                      created_at = $created_at, expires_at = $expires_at, released_at = $released_at
                  WHERE id = $id
                  RETURNING id
                  """;
            using var command = Command(db, sql)
                .With("$id", connection.Id)
                .With("$gateway_address", Text(connection.GatewayAddress))
                .With("$gateway_port", connection.GatewayPort)
                .With("$gateway_id", Text(connection.GatewayId))
                .With("$gateway_name", connection.GatewayName)
                .With("$suite", connection.Suite.Id)
                .With("$sid", Text(connection.Sid))
                .With("$interface", connection.Interface)
                .With("$ipv4", Text(connection.Ipv4))
                .With("$ipv6", Text(connection.Ipv6))
                .With("$tunnel", Json(connection.Tunnel))
                .With("$secret", released ? null : connection.Secret)
                .With("$state", Text(connection.State))
                .With("$created_at", Millis(connection.CreatedAt))
                .With("$expires_at", Millis(connection.ExpiresAt))
                .With("$released_at", released ? Millis(connection.ReleasedAt ?? _time.GetUtcNow()) : Millis(connection.ReleasedAt));
            return command.ExecuteScalar() is long id
                ? id
                : throw new InvalidOperationException($"No connection {connection.Id} to update.");
        }, ct);
    }

    /// <summary>
    /// Moves a connection to <paramref name="state"/>; releasing stamps released_at and forgets the
    /// secret. False when there is no such connection.
    /// </summary>
    public Task<bool> UpdateConnectionStateAsync(long id, ConnectionState state, CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, state == ConnectionState.Released
                    ? "UPDATE connections SET state = $state, secret = NULL, released_at = coalesce(released_at, $now) WHERE id = $id"
                    : "UPDATE connections SET state = $state WHERE id = $id")
                .With("$id", id)
                .With("$state", Text(state))
                .With("$now", Now);
            return command.ExecuteNonQuery() > 0;
        }, ct);

    /// <summary>The newest connection that is connecting or up, or null.</summary>
    public Task<ConnectionRecord?> ActiveConnectionAsync(CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, $"""
                SELECT {ConnectionColumns} FROM connections
                WHERE state IN ('connecting', 'up') ORDER BY id DESC LIMIT 1
                """);
            using var r = command.ExecuteReader();
            return r.Read() ? ReadConnection(r) : null;
        }, ct);

    /// <summary>The newest <paramref name="limit"/> connections, newest first.</summary>
    public Task<IReadOnlyList<ConnectionRecord>> ListConnectionsAsync(int limit = 100, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return RunAsync<IReadOnlyList<ConnectionRecord>>(db =>
        {
            using var command = Command(db, $"SELECT {ConnectionColumns} FROM connections ORDER BY id DESC LIMIT $limit")
                .With("$limit", limit);
            using var r = command.ExecuteReader();
            var connections = new List<ConnectionRecord>();
            while (r.Read())
                connections.Add(ReadConnection(r));
            return connections;
        }, ct);
    }

    private static ConnectionRecord ReadConnection(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        GatewayAddress = r.GetAddress(1),
        GatewayPort = r.GetInt32(2),
        GatewayId = r.GetStringOrNull(3),
        GatewayName = r.GetString(4),
        Suite = ParseSuite(r.GetString(5)),
        Sid = r.GetStringOrNull(6),
        Interface = r.GetString(7),
        Ipv4 = r.GetAddressOrNull(8),
        Ipv6 = r.GetAddressOrNull(9),
        Tunnel = ReadJsonObject(r.GetString(10)),
        Secret = r.GetStringOrNull(11),
        State = ParseConnectionState(r.GetString(12)),
        CreatedAt = r.GetTime(13),
        ExpiresAt = r.GetTimeOrNull(14),
        ReleasedAt = r.GetTimeOrNull(15),
    };
}
