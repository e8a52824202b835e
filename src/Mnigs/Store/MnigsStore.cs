using Microsoft.Data.Sqlite;

namespace Mnigs.Store;

/// <summary>
/// The daemon's SQLite database (WAL mode, schema versioned by <c>PRAGMA user_version</c>).
/// One connection, used by one caller at a time: SQLite serialises writers anyway, and this way
/// parallel RPC handlers and background loops never meet SQLITE_BUSY inside the daemon.
/// </summary>
public sealed partial class MnigsStore : IDisposable, IAsyncDisposable
{
    public const int DefaultQualityHistory = 720;

    /// <summary>Finished scans kept with their hosts and links; older ones are dropped.</summary>
    public const int KeptScans = 20;

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly SqliteConnection _db;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private bool _disposed;

    private MnigsStore(SqliteConnection db, string filePath, TimeProvider time, int qualityHistory)
    {
        _db = db;
        FilePath = filePath;
        _time = time;
        QualityHistory = qualityHistory;
    }

    /// <summary>The schema version this build writes.</summary>
    public static int SchemaVersion => StoreMigrations.Latest;

    public string FilePath { get; }

    /// <summary>Quality samples kept per gateway.</summary>
    public int QualityHistory { get; }

    /// <summary>
    /// Opens or creates the database at <paramref name="path"/> (its directory 0700, the file 0600)
    /// and brings the schema up to date. Throws <see cref="InvalidOperationException"/> with a plain
    /// message when the file cannot be used, e.g. when a newer Mnigs wrote it.
    /// </summary>
    public static MnigsStore Open(string path, TimeProvider? time = null, int qualityHistory = DefaultQualityHistory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(qualityHistory, 1);
        path = Path.GetFullPath(path);
        PrepareFile(path);

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Closing must really close the file: the WAL is checkpointed and removed, and tests can delete it.
            Pooling = false,
        }.ToString();
        var db = new SqliteConnection(connectionString);
        try
        {
            db.Open();
            Configure(db, path);
            Migrate(db, path);
        }
        catch (SqliteException ex)
        {
            db.Dispose();
            throw new InvalidOperationException($"Cannot open the Mnigs database {path}: {ex.Message}", ex);
        }
        catch
        {
            db.Dispose();
            throw;
        }
        return new MnigsStore(db, path, time ?? TimeProvider.System, qualityHistory);
    }

    private static void PrepareFile(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);

        // The file holds tunnel secrets. SQLite would create it world-readable (umask permitting), so
        // create it empty and 0600 first; SQLite gives its -wal and -shm files the same mode.
        if (!File.Exists(path))
        {
            try
            {
                using var _ = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = OwnerOnlyFile,
                });
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it meanwhile; its mode is checked below.
            }
        }
        if ((File.GetUnixFileMode(path) & GroupOrOthers) != 0)
            File.SetUnixFileMode(path, OwnerOnlyFile);
    }

    private static void Configure(SqliteConnection db, string path)
    {
        var mode = Scalar(db, "PRAGMA journal_mode = WAL") as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Cannot open the Mnigs database {path}: SQLite refused WAL mode (journal mode is {mode}).");
        Execute(db, """
            PRAGMA synchronous = FULL;   -- a granted session must survive a power cut, not only a crash
            PRAGMA foreign_keys = ON;
            PRAGMA busy_timeout = 5000;  -- another process (sqlite3 shell, backup) may hold the lock briefly
            """);
    }

    private static void Migrate(SqliteConnection db, string path)
    {
        var latest = StoreMigrations.Latest;
        if (CheckVersion(Convert.ToInt32(Scalar(db, "PRAGMA user_version")), latest, path) == latest)
            return;

        // BEGIN IMMEDIATE: a second process opening the same file waits instead of migrating twice.
        using var tx = db.BeginTransaction(deferred: false);
        var version = CheckVersion(Convert.ToInt32(Scalar(db, "PRAGMA user_version", tx)), latest, path);
        for (var v = version; v < latest; v++)
            Execute(db, StoreMigrations.All[v], tx);
        Execute(db, $"PRAGMA user_version = {latest}", tx);
        tx.Commit();
    }

    private static int CheckVersion(int version, int latest, string path) =>
        version <= latest
            ? version
            : throw new InvalidOperationException(
                $"The database {path} was written by a newer Mnigs (schema version {version}; this one knows up to {latest}). " +
                "Upgrade Mnigs, or move the file away to start afresh.");

    private async Task<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return work(_db);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task RunAsync(Action<SqliteConnection> work, CancellationToken ct) =>
        RunAsync(db =>
        {
            work(db);
            return true;
        }, ct);

    private static SqliteCommand Command(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        var command = db.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    private static int Execute(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var command = Command(db, sql, tx);
        return command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var command = Command(db, sql, tx);
        return command.ExecuteScalar();
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            if (_disposed)
                return;
            _disposed = true;
            _db.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
                return;
            _disposed = true;
            await _db.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
