using System.Collections.Immutable;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Mnigs.Platform;

/// <summary>
/// A long-running program a tunnel needs (an OpenVPN server, sockd, redsocks): a fixed argument list, no shell.
/// <see cref="Name"/> is unique per daemon and names its pid file.
/// </summary>
public sealed record ServiceSpec(string Name, string Program, ImmutableArray<string> Arguments)
{
    public bool SameAs(ServiceSpec other) => Name == other.Name && Program == other.Program && Arguments.SequenceEqual(other.Arguments);

    public override string ToString() => $"{Name}: {Program} {string.Join(' ', Arguments)}";
}

/// <summary>
/// Starts, keeps running and stops the programs tunnels need. Like <see cref="IHostPlatform"/> it is told the
/// wanted state again and again; <see cref="CleanupAsync"/> ends what a crashed daemon left running.
/// </summary>
public interface IServiceProcesses
{
    /// <summary>Runs <paramref name="spec"/>: started when not running, restarted when its arguments changed, else left alone.</summary>
    Task EnsureAsync(ServiceSpec spec, CancellationToken ct);

    /// <summary>Stops the program named <paramref name="name"/> (SIGTERM, then SIGKILL); nothing when it does not run.</summary>
    Task StopAsync(string name, CancellationToken ct);

    /// <summary>Whether the program named <paramref name="name"/> runs now.</summary>
    bool IsRunning(string name);

    /// <summary>Sends SIGHUP to the program named <paramref name="name"/>, so it reads its configuration again (danted); false when it does not run.</summary>
    bool Reload(string name);

    /// <summary>Stops every program this daemon or a previous run of it started (pid files in the run directory).</summary>
    Task CleanupAsync(CancellationToken ct);
}

/// <summary>
/// Child processes with a pid file each in <c>runDirectory</c> (the pid, its start time and the program, so a
/// leftover is killed only when that pid is still the same process). A child that exits is started again by the next
/// <see cref="EnsureAsync"/>; its output is logged line by line under its name.
/// </summary>
public sealed class ServiceProcesses(string runDirectory, ILogger<ServiceProcesses> log) : IServiceProcesses, IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (ServiceSpec Spec, Process Process)> _running = new(StringComparer.Ordinal);

    public async Task EnsureAsync(ServiceSpec spec, CancellationToken ct)
    {
        CheckName(spec.Name);
        lock (_gate)
        {
            if (_running.TryGetValue(spec.Name, out var current) && !current.Process.HasExited && current.Spec.SameAs(spec))
                return;
        }
        await StopAsync(spec.Name, ct);
        var start = new ProcessStartInfo(spec.Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in spec.Arguments)
            start.ArgumentList.Add(argument);
        start.Environment["LC_ALL"] = "C";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new IOException($"Could not start {spec.Program}: {e.Message}", e);
        }
        Directory.CreateDirectory(runDirectory);
        await File.WriteAllTextAsync(PidFile(spec.Name), $"{process.Id.ToString(CultureInfo.InvariantCulture)}\n{StartTime(process.Id)}\n{spec.Program}\n", ct);
        process.OutputDataReceived += (_, e) => Log(spec.Name, e.Data);
        process.ErrorDataReceived += (_, e) => Log(spec.Name, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.Exited += (_, _) =>
        {
            bool ours;
            lock (_gate)
                ours = _running.TryGetValue(spec.Name, out var entry) && entry.Process == process;
            if (ours)
                log.LogWarning("{Service} ({Program}) exited with code {Code}", spec.Name, spec.Program, SafeExitCode(process));
        };
        lock (_gate)
            _running[spec.Name] = (spec, process);
        log.LogInformation("Started {Service} ({Program}, pid {Pid})", spec.Name, spec.Program, process.Id);
    }

    public async Task StopAsync(string name, CancellationToken ct)
    {
        CheckName(name);
        Process? process;
        lock (_gate)
            process = _running.Remove(name, out var entry) ? entry.Process : null;
        if (process is not null)
        {
            await EndAsync(process, ct);
            process.Dispose();
            log.LogInformation("Stopped {Service}", name);
        }
        // The run directory appears with the first start: before it, there is no pid file to remove.
        if (File.Exists(PidFile(name)))
            File.Delete(PidFile(name));
    }

    public bool IsRunning(string name)
    {
        lock (_gate)
            return _running.TryGetValue(name, out var entry) && !entry.Process.HasExited;
    }

    public bool Reload(string name)
    {
        CheckName(name);
        int pid;
        lock (_gate)
        {
            if (!_running.TryGetValue(name, out var entry) || entry.Process.HasExited)
                return false;
            pid = entry.Process.Id;
        }
        Signal(pid, 1);
        log.LogDebug("Sent SIGHUP to {Service} (pid {Pid})", name, pid);
        return true;
    }

    public async Task CleanupAsync(CancellationToken ct)
    {
        List<string> names;
        lock (_gate)
            names = [.. _running.Keys];
        foreach (var name in names)
            await StopAsync(name, ct);
        if (!Directory.Exists(runDirectory))
            return;
        foreach (var file in Directory.GetFiles(runDirectory, "*.pid"))
        {
            var lines = await File.ReadAllLinesAsync(file, ct);
            if (lines.Length >= 3 && int.TryParse(lines[0], CultureInfo.InvariantCulture, out var pid) && lines[1].Length > 0 && StartTime(pid) == lines[1])
            {
                try
                {
                    using var leftover = Process.GetProcessById(pid);
                    await EndAsync(leftover, ct);
                    log.LogInformation("Stopped {Program} (pid {Pid}) left running by a previous run", lines[2], pid);
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
            File.Delete(file);
        }
    }

    public async ValueTask DisposeAsync() => await CleanupAsync(CancellationToken.None);

    private string PidFile(string name) => Path.Combine(runDirectory, name + ".pid");

    /// <summary>
    /// When <paramref name="pid"/> started, in clock ticks since boot (field 22 of /proc/PID/stat), or "" when it does
    /// not run: with the pid it names one process, so a pid reused since is never killed.
    /// </summary>
    private static string StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count the fields after it.
            var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 19 ? fields[19] : "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static async Task EndAsync(Process process, CancellationToken ct)
    {
        if (process.HasExited)
            return;
        try
        {
            Signal(process.Id, 15);
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(ct);
            grace.CancelAfter(StopGrace);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private void Log(string name, string? line)
    {
        if (!string.IsNullOrWhiteSpace(line))
            log.LogDebug("{Service}: {Line}", name, line);
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private static void CheckName(string name)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name[0] == '.')
            throw new ArgumentException($"'{name}' is not a service name (letters, digits, '-', '_', '.')", nameof(name));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillNative(int pid, int signal);

    private static void Signal(int pid, int signal) => _ = KillNative(pid, signal);
}
