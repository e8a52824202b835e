using System.ComponentModel;
using System.Diagnostics;

namespace Mnigs.Platform;

/// <summary>Runs programs as child processes, with arguments passed as a list (no shell) and the C locale.</summary>
public sealed class ProcessCommandRunner(ILogger<ProcessCommandRunner> log) : ICommandRunner
{
    // A program that daemonizes (wireguard-go) may leave a child holding our pipes; its output is not
    // waited for longer than this once the program itself has exited.
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    public async Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct)
    {
        var start = new ProcessStartInfo(command.Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
            start.ArgumentList.Add(argument);
        start.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = start };
        var clock = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            log.LogDebug("Could not start {Command}: {Error}", command.ToString(), e.Message);
            return CommandResult.Fail(CommandResult.NotFound, $"{command.Program}: {e.Message}");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(command.Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            try
            {
                if (command.Stdin is not null)
                    await process.StandardInput.WriteAsync(command.Stdin.AsMemory(), deadline.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading its input; its exit code tells the rest.
            }
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            if (ct.IsCancellationRequested)
                throw;
            throw new TimeoutException($"'{command}' did not finish within {command.Timeout.TotalSeconds:0.#} s and was stopped");
        }

        var result = new CommandResult(process.ExitCode, await Collect(stdout), await Collect(stderr));
        log.LogDebug("{Command} exited with {ExitCode} after {Milliseconds} ms", command.ToString(), result.ExitCode, clock.ElapsedMilliseconds);
        return result;
    }

    public string? FindProgram(string program)
    {
        if (program.Contains('/'))
            return File.Exists(program) ? program : null;
        var path = Environment.GetEnvironmentVariable("PATH");
        // Daemons started by init may have a short PATH; the sbin directories hold ip and nft.
        var directories = (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private static async Task<string> Collect(Task<string> output)
    {
        try
        {
            return await output.WaitAsync(OutputGrace);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return "";
        }
    }

    private void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            log.LogDebug("Process {Pid} had already ended: {Error}", process.Id, e.Message);
        }
    }
}
