namespace Mnigs.Platform;

/// <summary>
/// Runs a helper program (ip, wg, nft, wireguard-go, resolvectl) and returns what it said. The one
/// place Platform starts processes, so tests can script the host and the lab can run it in a namespace.
/// </summary>
public interface ICommandRunner
{
    /// <summary>
    /// Runs <paramref name="command"/> to its end. A program that cannot be started yields exit code
    /// <see cref="CommandResult.NotFound"/>; one that outlives its timeout is killed and throws <see cref="TimeoutException"/>.
    /// </summary>
    Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct);

    /// <summary>Full path of <paramref name="program"/> on the search path, or null when it is not installed.</summary>
    string? FindProgram(string program);
}
