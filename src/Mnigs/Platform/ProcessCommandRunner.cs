using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Mnigs.Platform;

/// <summary>Runs programs as child processes, with arguments passed as a list (no shell) and the C locale.</summary>
/// <param name="outputGrace">
/// How long output is still collected after the program has exited. A program that daemonizes may
/// leave a child holding our pipes (wireguard-go does when LOG_LEVEL is set); what it printed up to
/// then is returned.
/// </param>
public sealed class ProcessCommandRunner(ILogger<ProcessCommandRunner> log, TimeSpan? outputGrace = null) : ICommandRunner
{
    private readonly TimeSpan _outputGrace = outputGrace ?? TimeSpan.FromSeconds(2);

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

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var pumps = Task.WhenAll(Pump(process.StandardOutput, stdout), Pump(process.StandardError, stderr));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(command.Timeout);
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

        try
        {
            await pumps.WaitAsync(_outputGrace, ct);
        }
        catch (TimeoutException)
        {
            log.LogDebug("{Command} exited but something still holds its output open; not waiting for it", command.ToString());
        }
        var result = new CommandResult(process.ExitCode, Text(stdout), Text(stderr));
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

    private static async Task Pump(StreamReader reader, StringBuilder sink)
    {
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                lock (sink)
                    sink.Append(buffer, 0, read);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process (and our end of its pipe) was disposed while a child still held the other end.
        }
    }

    private static string Text(StringBuilder sink)
    {
        lock (sink)
            return sink.ToString();
    }

    private void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            log.LogDebug("The process had already ended: {Error}", e.Message);
        }
    }
}
