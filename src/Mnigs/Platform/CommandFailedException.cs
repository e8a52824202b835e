namespace Mnigs.Platform;

/// <summary>A helper program refused to change the host. The message names the command and quotes its error.</summary>
public sealed class CommandFailedException : Exception
{
    public CommandFailedException(CommandRequest command, CommandResult result)
        : base(Describe(command, result))
    {
        Command = command.ToString();
        ExitCode = result.ExitCode;
        Stderr = command.Redact(result.Stderr.Trim());
    }

    /// <summary>The command line (no secrets: those only ever travel on stdin).</summary>
    public string Command { get; }

    public int ExitCode { get; }

    public string Stderr { get; }

    private static string Describe(CommandRequest command, CommandResult result)
    {
        var error = command.Redact(result.Stderr.Trim());
        if (error.Length == 0)
            error = command.Redact(result.Stdout.Trim());
        if (result.ExitCode == CommandResult.NotFound && error.Length == 0)
            error = $"{command.Program} is not installed";
        return error.Length == 0
            ? $"'{command}' failed with exit code {result.ExitCode}"
            : $"'{command}' failed with exit code {result.ExitCode}: {error}";
    }
}
