using Mnigs.Platform;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// How Mnigs runs a SoftEther program (vpnserver or vpnclient) through <see cref="IServiceProcesses"/>. Debian builds
/// SoftEther with fixed directories (/var/lib/softether for its configuration, /var/log/softether, /run/softether for
/// its pid file), shared with any SoftEther the host runs itself; Mnigs' instance gets its own in a private mount
/// namespace (<c>unshare --mount</c>), bind-mounted from <see cref="Directory"/>, so it neither reads nor changes the
/// host's and two nodes of the lab on one machine stay apart.
/// <para>
/// <c>execsvc</c> keeps the program in the foreground, but as a watchdog that forks the real service and restarts it
/// when it crashes; a SIGTERM ends only the watchdog and leaves the service running. The wrapper shell therefore
/// passes SIGTERM to the service itself (its pid is in /run/softether/.pid_*), whose orderly exit also ends the
/// watchdog, and ends the service too when the watchdog dies on its own.
/// </para>
/// </summary>
public sealed record SoftEtherProcess(string Name, string Program, string Directory)
{
    /// <summary>The wrapper: $1..$3 the private directories, $4 the program. Nothing from outside goes into the script's text.</summary>
    internal const string Script =
        """
        mkdir -p /var/lib/softether /var/log/softether /run/softether || exit 1
        mount --bind "$1" /var/lib/softether && mount --bind "$2" /var/log/softether && mount --bind "$3" /run/softether || exit 1
        stop() { kill -TERM $(cat /run/softether/.pid_* 2>/dev/null) 2>/dev/null; wait; exit 0; }
        trap stop TERM INT
        "$4" execsvc &
        wait $!
        stop
        """;

    /// <summary>SoftEther's configuration directory (/var/lib/softether inside).</summary>
    public string Database => Path.Combine(Directory, "db");

    public string Logs => Path.Combine(Directory, "log");

    public string Run => Path.Combine(Directory, "run");

    /// <summary>Empties the private directories (a fresh start from the configuration Mnigs writes) and writes <paramref name="configFile"/> there as <paramref name="config"/>.</summary>
    public void Prepare(string configFile, string config)
    {
        foreach (var directory in new[] { Database, Logs, Run })
        {
            if (System.IO.Directory.Exists(directory))
                System.IO.Directory.Delete(directory, recursive: true);
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using var writer = new StreamWriter(Path.Combine(Database, configFile), new System.Text.UTF8Encoding(false), options);
        writer.Write(config);
    }

    /// <param name="unshare">Full path of util-linux's unshare.</param>
    public ServiceSpec Spec(string unshare) =>
        new(Name, unshare, ["--mount", "--", "/bin/sh", "-c", Script, "mnigs-" + Name, Database, Logs, Run, Program]);
}
