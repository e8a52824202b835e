using Microsoft.Data.Sqlite;
using Mnigs.Core.Gateway;
using static Mnigs.Store.StoreValues;

namespace Mnigs.Store;

// Gateway side: the sessions this gateway has granted. A granted session must outlive a restart.
public sealed partial class MnigsStore
{
    /// <summary>Inserts or replaces the session with this sid; its traffic counters are kept.</summary>
    public Task SaveSessionAsync(GatewaySession session, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return RunAsync(db =>
        {
            using var command = Command(db, """
                INSERT INTO sessions (sid, mesh_address, suite, subscriber_id, name, port, ipv4, ipv6,
                                      tunnel_state, payment_state, created_at, expires_at)
                VALUES ($sid, $mesh_address, $suite, $subscriber_id, $name, $port, $ipv4, $ipv6,
                        $tunnel_state, $payment_state, $created_at, $expires_at)
                ON CONFLICT (sid) DO UPDATE SET
                    mesh_address = excluded.mesh_address, suite = excluded.suite,
                    subscriber_id = excluded.subscriber_id, name = excluded.name, port = excluded.port,
                    ipv4 = excluded.ipv4, ipv6 = excluded.ipv6, tunnel_state = excluded.tunnel_state,
                    payment_state = excluded.payment_state, created_at = excluded.created_at,
                    expires_at = excluded.expires_at
                """)
                .With("$sid", session.Sid)
                .With("$mesh_address", Text(session.MeshAddress))
                .With("$suite", session.Suite.Id)
                .With("$subscriber_id", session.SubscriberId)
                .With("$name", session.Name)
                .With("$port", session.Port)
                .With("$ipv4", Text(session.Ipv4))
                .With("$ipv6", Text(session.Ipv6))
                .With("$tunnel_state", Json(session.TunnelState))
                .With("$payment_state", session.PaymentState)
                .With("$created_at", Millis(session.CreatedAt))
                .With("$expires_at", Millis(session.ExpiresAt));
            command.ExecuteNonQuery();
        }, ct);
    }

    /// <summary>Removes the session; false when there was none with this sid.</summary>
    public Task<bool> DeleteSessionAsync(string sid, CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, "DELETE FROM sessions WHERE sid = $sid").With("$sid", sid);
            return command.ExecuteNonQuery() > 0;
        }, ct);

    /// <summary>Every stored session, oldest first, expired ones included (the caller decides what to expire).</summary>
    public Task<IReadOnlyList<GatewaySession>> LoadSessionsAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<GatewaySession>>(db =>
        {
            using var command = Command(db, """
                SELECT sid, mesh_address, suite, subscriber_id, name, port, ipv4, ipv6,
                       tunnel_state, payment_state, created_at, expires_at
                FROM sessions ORDER BY created_at, sid
                """);
            using var r = command.ExecuteReader();
            var sessions = new List<GatewaySession>();
            while (r.Read())
                sessions.Add(ReadSession(r));
            return sessions;
        }, ct);

    /// <summary>Records the traffic counters of a session; false when there is no such session.</summary>
    public Task<bool> UpdateSessionCountersAsync(string sid, SessionCounters counters, CancellationToken ct = default) =>
        RunAsync(db =>
        {
            using var command = Command(db, "UPDATE sessions SET bytes_in = $in, bytes_out = $out WHERE sid = $sid")
                .With("$sid", sid)
                .With("$in", counters.BytesIn)
                .With("$out", counters.BytesOut);
            return command.ExecuteNonQuery() > 0;
        }, ct);

    /// <summary>The traffic counters of every stored session, by sid.</summary>
    public Task<IReadOnlyDictionary<string, SessionCounters>> LoadSessionCountersAsync(CancellationToken ct = default) =>
        RunAsync<IReadOnlyDictionary<string, SessionCounters>>(db =>
        {
            using var command = Command(db, "SELECT sid, bytes_in, bytes_out FROM sessions");
            using var r = command.ExecuteReader();
            var counters = new Dictionary<string, SessionCounters>(StringComparer.Ordinal);
            while (r.Read())
                counters[r.GetString(0)] = new SessionCounters(r.GetInt64(1), r.GetInt64(2));
            return counters;
        }, ct);

    private static GatewaySession ReadSession(SqliteDataReader r) => new()
    {
        Sid = r.GetString(0),
        MeshAddress = r.GetAddress(1),
        Suite = ParseSuite(r.GetString(2)),
        SubscriberId = r.GetString(3),
        Name = r.GetString(4),
        Port = r.GetInt32(5),
        Ipv4 = r.GetAddressOrNull(6),
        Ipv6 = r.GetAddressOrNull(7),
        TunnelState = ReadJsonObject(r.GetString(8)),
        PaymentState = r.GetString(9),
        CreatedAt = r.GetTime(10),
        ExpiresAt = r.GetTime(11),
    };
}
