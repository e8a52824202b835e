using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

public sealed class ProcessCommandRunnerTests
{
    private readonly ProcessCommandRunner _runner = new(NullLogger<ProcessCommandRunner>.Instance, TimeSpan.FromMilliseconds(300));

    [Fact]
    public async Task Stdin_reaches_the_program_and_its_output_and_exit_code_come_back()
    {
        var result = await _runner.RunAsync(CommandRequest.Of("sh", "-c", "cat; echo oops >&2; exit 3") with { Stdin = "secret\n" }, CancellationToken.None);

        Assert.Equal(new CommandResult(3, "secret\n", "oops\n"), result);
    }

    [Fact]
    public async Task Arguments_are_not_interpreted_by_a_shell()
    {
        var result = await _runner.RunAsync(CommandRequest.Of("echo", "$(id)", "a;b", "*"), CancellationToken.None);

        Assert.Equal("$(id) a;b *\n", result.Stdout);
    }

    [Fact]
    public async Task A_missing_program_answers_not_found()
    {
        var result = await _runner.RunAsync(CommandRequest.Of("mnigs-no-such-program"), CancellationToken.None);

        Assert.Equal(CommandResult.NotFound, result.ExitCode);
        Assert.Null(_runner.FindProgram("mnigs-no-such-program"));
        Assert.NotNull(_runner.FindProgram("sh"));
    }

    [Fact]
    public async Task A_program_outliving_its_timeout_is_stopped()
    {
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            _runner.RunAsync(CommandRequest.Of("sleep", "10") with { Timeout = TimeSpan.FromMilliseconds(200) }, CancellationToken.None));

        Assert.Contains("'sleep 10' did not finish", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_daemonized_child_holding_the_output_open_does_not_hang_the_command()
    {
        var clock = Stopwatch.StartNew();

        var result = await _runner.RunAsync(CommandRequest.Of("sh", "-c", "echo started; sleep 5 &"), CancellationToken.None);

        Assert.Equal(new CommandResult(0, "started\n", ""), result);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3));
    }
}
