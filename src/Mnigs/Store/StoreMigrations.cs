namespace Mnigs.Store;

/// <summary>
/// The schema, as an ordered list of migrations. Migration N brings a database from
/// <c>user_version</c> N-1 to N. Append new ones; never edit one that has shipped.
/// </summary>
internal static class StoreMigrations
{
    public static readonly IReadOnlyList<string> All =
    [
        // 1: everything the first release keeps.
        """
        CREATE TABLE nodes (
            id          TEXT PRIMARY KEY NOT NULL,
            name        TEXT NOT NULL DEFAULT '',
            addresses   TEXT NOT NULL DEFAULT '[]',
            rpc_port    INTEGER NOT NULL,
            first_seen  INTEGER NOT NULL,
            last_seen   INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE gateways (
            address     TEXT NOT NULL,
            port        INTEGER NOT NULL,
            node_id     TEXT,
            name        TEXT NOT NULL DEFAULT '',
            suites      TEXT NOT NULL DEFAULT '[]',
            source      TEXT NOT NULL CHECK (source IN ('scan', 'directory', 'hint')),
            learned_at  INTEGER NOT NULL,
            last_seen   INTEGER NOT NULL,
            PRIMARY KEY (address, port)
        ) STRICT;
        CREATE INDEX gateways_node_id ON gateways (node_id);

        CREATE TABLE sessions (
            sid            TEXT PRIMARY KEY NOT NULL,
            mesh_address   TEXT NOT NULL,
            suite          TEXT NOT NULL,
            subscriber_id  TEXT NOT NULL DEFAULT '',
            name           TEXT NOT NULL DEFAULT '',
            port           INTEGER NOT NULL DEFAULT 0,
            ipv4           TEXT,
            ipv6           TEXT,
            tunnel_state   TEXT NOT NULL DEFAULT '{}',
            payment_state  TEXT NOT NULL,
            created_at     INTEGER NOT NULL,
            expires_at     INTEGER NOT NULL,
            bytes_in       INTEGER NOT NULL DEFAULT 0,
            bytes_out      INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE connections (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            gateway_address  TEXT NOT NULL,
            gateway_port     INTEGER NOT NULL,
            gateway_id       TEXT,
            gateway_name     TEXT NOT NULL DEFAULT '',
            suite            TEXT NOT NULL,
            sid              TEXT,
            interface        TEXT NOT NULL,
            ipv4             TEXT,
            ipv6             TEXT,
            tunnel           TEXT NOT NULL DEFAULT '{}',
            secret           TEXT,
            state            TEXT NOT NULL CHECK (state IN ('connecting', 'up', 'down', 'released')),
            created_at       INTEGER NOT NULL,
            expires_at       INTEGER,
            released_at      INTEGER
        ) STRICT;
        CREATE INDEX connections_state ON connections (state);

        CREATE TABLE scans (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at      INTEGER NOT NULL,
            finished_at     INTEGER,
            hosts_probed    INTEGER NOT NULL DEFAULT 0,
            gateways_found  INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE hosts (
            scan_id  INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            address  TEXT NOT NULL,
            node_id  TEXT,
            name     TEXT NOT NULL DEFAULT '',
            kind     TEXT NOT NULL CHECK (kind IN ('self', 'node', 'gateway')),
            rpc_ok   INTEGER NOT NULL,
            PRIMARY KEY (scan_id, address)
        ) STRICT;

        CREATE TABLE links (
            scan_id  INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            a        TEXT NOT NULL,
            b        TEXT NOT NULL,
            network  TEXT NOT NULL,
            PRIMARY KEY (scan_id, a, b, network)
        ) STRICT;

        CREATE TABLE quality_samples (
            id       INTEGER PRIMARY KEY,
            gateway  TEXT NOT NULL,
            at       INTEGER NOT NULL,
            rtt_ms   REAL,
            loss     REAL NOT NULL
        ) STRICT;
        CREATE INDEX quality_samples_gateway ON quality_samples (gateway, id);
        """,

        // 2: the gateway directory: signed records as received, so a restart keeps what was learned.
        """
        CREATE TABLE directory_records (
            node_id     TEXT PRIMARY KEY NOT NULL,
            sequence    INTEGER NOT NULL,
            record      TEXT NOT NULL,
            expires_at  INTEGER NOT NULL,
            received_at INTEGER NOT NULL
        ) STRICT;
        """,

        // 3: quality samples per path (mesh or tunnel), each summarizing a number of probes; trimmed
        // per (gateway, path) by count and across gateways by age, both through an index.
        """
        ALTER TABLE quality_samples ADD COLUMN path TEXT NOT NULL DEFAULT 'mesh' CHECK (path IN ('mesh', 'tunnel'));
        ALTER TABLE quality_samples ADD COLUMN probes INTEGER NOT NULL DEFAULT 1 CHECK (probes >= 1);
        DROP INDEX quality_samples_gateway;
        CREATE INDEX quality_samples_gateway_path_at ON quality_samples (gateway, path, at);
        CREATE INDEX quality_samples_at ON quality_samples (at);
        """,

        // 4: vouchers (gateway.payment = voucher): what each allows, what it has used and which session holds it,
        // so neither a crash nor a restart loses what a subscriber paid for. Codes are kept as issued: the operator
        // prints them again from here (the file is 0600, like the tunnel keys beside it).
        """
        CREATE TABLE vouchers (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            code            TEXT NOT NULL UNIQUE,
            created_at      INTEGER NOT NULL,
            time_ms         INTEGER CHECK (time_ms IS NULL OR time_ms > 0),
            data_bytes      INTEGER CHECK (data_bytes IS NULL OR data_bytes > 0),
            used_bytes      INTEGER NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
            redeemed_at     INTEGER,
            ends_at         INTEGER,
            holder_sid      TEXT,
            holder_address  TEXT,
            revoked_at      INTEGER,
            CHECK (time_ms IS NOT NULL OR data_bytes IS NOT NULL)
        ) STRICT;
        CREATE INDEX vouchers_holder_sid ON vouchers (holder_sid);
        """,
    ];

    public static int Latest => All.Count;
}
