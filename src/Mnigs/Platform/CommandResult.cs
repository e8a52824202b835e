namespace Mnigs.Platform;

/// <summary>What a program printed and how it ended.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Exit code for a program that could not be started (as a shell reports it).</summary>
    public const int NotFound = 127;

    public static readonly CommandResult Ok = new(0, "", "");

    public bool Succeeded => ExitCode == 0;

    public static CommandResult Output(string stdout) => new(0, stdout, "");

    public static CommandResult Fail(int exitCode, string stderr) => new(exitCode, "", stderr);
}
