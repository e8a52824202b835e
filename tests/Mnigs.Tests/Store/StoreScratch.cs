using Microsoft.Data.Sqlite;
using Mnigs.Store;

namespace Mnigs.Tests.Store;

/// <summary>A database file in a temporary directory for store tests, opened through <see cref="MnigsStore"/> or raw.</summary>
internal sealed class StoreScratch(TimeProvider time) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public string DbPath => _dir.File("state", "mnigs.db");

    /// <summary>The directory the database lives in.</summary>
    public string StateDir => _dir.File("state");

    public MnigsStore Open(int qualityHistory = MnigsStore.DefaultQualityHistory) => MnigsStore.Open(DbPath, time, qualityHistory);

    /// <summary>A plain SQLite connection to the same file, to look under the store.</summary>
    public SqliteConnection Raw()
    {
        var db = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        db.Open();
        return db;
    }

    public static object? Scalar(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose() => _dir.Dispose();
}
