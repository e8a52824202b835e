using System.Diagnostics;

namespace Mnigs.Platform;

/// <summary>
/// Runs an operator's hook script (onRegister, onConnect, ...) with the event's values as arguments and
/// as MNIGS_* environment variables. A hook never blocks the daemon for more than its timeout, and its
/// failure is logged, not fatal.
/// </summary>
public sealed class HookRunner(ILogger<HookRunner> log)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task RunAsync(string hookName, string script, IReadOnlyList<(string Name, string Value)> values, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(script))
            return;
        var psi = new ProcessStartInfo(script)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in values)
        {
            psi.ArgumentList.Add(value);
            psi.Environment["MNIGS_" + name.ToUpperInvariant()] = value;
        }
        psi.Environment["MNIGS_EVENT"] = hookName;
        try
        {
            using var process = Process.Start(psi)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            _ = process.StandardOutput.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                log.LogWarning("Hook {Hook} ({Script}) took longer than {Seconds} s and was stopped", hookName, script, Timeout.TotalSeconds);
                return;
            }
            if (process.ExitCode != 0)
                log.LogWarning("Hook {Hook} ({Script}) exited with {Code}: {Stderr}", hookName, script, process.ExitCode, (await stderr).Trim());
            else
                log.LogInformation("Hook {Hook} ran", hookName);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.LogWarning("Hook {Hook} could not start {Script}: {Error}", hookName, script, e.Message);
        }
    }
}
