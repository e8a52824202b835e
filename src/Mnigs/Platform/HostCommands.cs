namespace Mnigs.Platform;

/// <summary>
/// The commands of one platform: reads are returned as they are, changes throw
/// <see cref="CommandFailedException"/> on failure and are logged, one line each.
/// </summary>
internal sealed class HostCommands(ICommandRunner runner, TimeSpan timeout, ILogger log)
{
    public ICommandRunner Runner => runner;

    /// <summary>Runs a command that only looks at the host.</summary>
    public Task<CommandResult> ReadAsync(CommandRequest command, CancellationToken ct) =>
        runner.RunAsync(command with { Timeout = timeout }, ct);

    /// <summary>Runs a command that only looks at the host and must succeed; returns its output.</summary>
    public async Task<string> ReadOutputAsync(CommandRequest command, CancellationToken ct)
    {
        var result = await ReadAsync(command, ct);
        if (!result.Succeeded)
            throw new CommandFailedException(command, result);
        return result.Stdout;
    }

    /// <summary>Runs a command that changes the host; it must succeed.</summary>
    public async Task ChangeAsync(CommandRequest command, CancellationToken ct)
    {
        var result = await TryChangeAsync(command, ct);
        if (!result.Succeeded)
            throw new CommandFailedException(command, result);
    }

    /// <summary>
    /// Whether this kernel can create links of type <paramref name="kind"/>: adds the throwaway link <paramref name="probe"/>
    /// (replacing one a crash left) and deletes it again. The kernel loads a module on demand, so one merely not loaded counts.
    /// </summary>
    public async Task<bool> CanCreateLinkAsync(string probe, string kind, CancellationToken ct)
    {
        var add = CommandRequest.Of("ip", "link", "add", probe, "type", kind);
        var result = await TryChangeAsync(add, ct);
        if (!result.Succeeded && result.Stderr.Contains("File exists", StringComparison.Ordinal))
        {
            await ChangeAsync(CommandRequest.Of("ip", "link", "del", probe), ct);
            result = await TryChangeAsync(add, ct);
        }
        if (result.Succeeded)
            await ChangeAsync(CommandRequest.Of("ip", "link", "del", probe), ct);
        return result.Succeeded;
    }

    /// <summary>Runs a command that changes the host and lets the caller judge its result.</summary>
    public async Task<CommandResult> TryChangeAsync(CommandRequest command, CancellationToken ct)
    {
        var result = await runner.RunAsync(command with { Timeout = timeout }, ct);
        if (result.Succeeded)
            log.LogInformation("Host changed: {Command}", command.ToString());
        return result;
    }
}
