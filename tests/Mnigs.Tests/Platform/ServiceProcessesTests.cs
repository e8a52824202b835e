using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

public sealed class ServiceProcessesTests : IDisposable
{
    private readonly string _run = Directory.CreateTempSubdirectory("mnigs-run-").FullName;

    public void Dispose() => Directory.Delete(_run, recursive: true);

    private ServiceProcesses Services() => new(_run, NullLogger<ServiceProcesses>.Instance);

    private static ServiceSpec Sleep(string seconds = "60") => new("sleeper", "/bin/sleep", [seconds]);

    private static bool Alive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private int PidOf(string name) => int.Parse(File.ReadAllLines(Path.Combine(_run, name + ".pid"))[0]);

    [Fact]
    public async Task Starts_once_and_stops_a_program()
    {
        await using var services = Services();
        await services.EnsureAsync(Sleep(), default);
        var pid = PidOf("sleeper");
        await services.EnsureAsync(Sleep(), default);
        Assert.Equal(pid, PidOf("sleeper"));
        Assert.True(services.IsRunning("sleeper"));

        await services.StopAsync("sleeper", default);
        Assert.False(services.IsRunning("sleeper"));
        Assert.False(File.Exists(Path.Combine(_run, "sleeper.pid")));
        Assert.False(Alive(pid));
    }

    [Fact]
    public async Task The_first_start_makes_the_run_directory()
    {
        var run = Path.Combine(_run, "not-yet");
        await using var services = new ServiceProcesses(run, NullLogger<ServiceProcesses>.Instance);

        await services.EnsureAsync(Sleep(), default);

        Assert.True(services.IsRunning("sleeper"));
        Assert.True(File.Exists(Path.Combine(run, "sleeper.pid")));
    }

    [Fact]
    public async Task Reload_sends_SIGHUP_to_a_running_program_only()
    {
        var heard = Path.Combine(_run, "heard");
        await using var services = Services();
        Assert.False(services.Reload("listener"));
        await services.EnsureAsync(new ServiceSpec("listener", "/bin/sh",
            ["-c", $"trap 'echo hup >> {heard}' HUP; echo ready > {heard}.ready; while :; do sleep 0.05; done"]), default);
        for (var i = 0; i < 100 && !File.Exists(heard + ".ready"); i++)
            await Task.Delay(20);

        Assert.True(services.Reload("listener"));
        for (var i = 0; i < 100 && !File.Exists(heard); i++)
            await Task.Delay(20);

        Assert.Equal("hup\n", File.ReadAllText(heard));
        Assert.True(services.IsRunning("listener"));
    }

    [Fact]
    public async Task Restarts_a_program_whose_arguments_changed_or_that_exited()
    {
        await using var services = Services();
        await services.EnsureAsync(Sleep(), default);
        var first = PidOf("sleeper");
        await services.EnsureAsync(Sleep("61"), default);
        var second = PidOf("sleeper");
        Assert.NotEqual(first, second);
        Assert.False(Alive(first));

        using (var p = Process.GetProcessById(second))
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
        Assert.False(services.IsRunning("sleeper"));
        await services.EnsureAsync(Sleep("61"), default);
        Assert.True(services.IsRunning("sleeper"));
    }

    [Fact]
    public async Task Cleanup_ends_what_a_crashed_run_left_and_never_a_reused_pid()
    {
        var crashed = Services();
        await crashed.EnsureAsync(Sleep(), default);
        var leftover = PidOf("sleeper");
        // A pid file whose pid was reused since (here: by this test process, started at another time) must not be acted on.
        File.WriteAllText(Path.Combine(_run, "other.pid"), $"{Environment.ProcessId}\n1\n/bin/sleep\n");

        await using var restarted = Services();
        await restarted.CleanupAsync(default);

        Assert.False(Alive(leftover));
        Assert.Empty(Directory.GetFiles(_run, "*.pid"));
    }

    [Fact]
    public async Task A_missing_program_is_a_clear_error_and_names_are_checked()
    {
        await using var services = Services();
        var error = await Assert.ThrowsAsync<IOException>(() => services.EnsureAsync(new ServiceSpec("x", "/nonexistent/openvpn", ImmutableArray<string>.Empty), default));
        Assert.Contains("/nonexistent/openvpn", error.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => services.EnsureAsync(new ServiceSpec("../etc/x", "/bin/sleep", ["1"]), default));
    }
}
