using Mnigs.Platform;

namespace Mnigs.Tests.Tunnels.SoftEther;

/// <summary>
/// vpncmd behind a scripted answer: each run's batch file (read while it exists, as vpncmd reads it) and stdin are
/// recorded, and <see cref="Answer"/> gives what vpncmd prints for them, mostly transcripts recorded from the real one.
/// </summary>
internal sealed class FakeVpnCmd : ICommandRunner
{
    private readonly Lock _gate = new();
    private readonly List<VpnCmdRun> _runs = [];

    /// <summary>What vpncmd prints for a run; by default the commands echoed after their prompts, as it does for commands that work.</summary>
    public Func<VpnCmdRun, string> Answer { get; set; } = Echo;

    public IReadOnlyList<VpnCmdRun> Runs
    {
        get
        {
            lock (_gate)
                return [.. _runs];
        }
    }

    public Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct)
    {
        var file = command.Arguments.FirstOrDefault(a => a.StartsWith("/IN:", StringComparison.Ordinal))?["/IN:".Length..];
        var commands = file is not null && File.Exists(file) ? File.ReadAllLines(file) : [];
        UnixFileMode? mode = file is not null && File.Exists(file) ? File.GetUnixFileMode(file) : null;
        var run = new VpnCmdRun(command, commands, mode);
        lock (_gate)
            _runs.Add(run);
        return Task.FromResult(CommandResult.Output(Answer(run)));
    }

    public string? FindProgram(string program) => "/usr/bin/" + program;

    /// <summary>The commands echoed after their prompts, with no output: a batch where everything worked.</summary>
    public static string Echo(VpnCmdRun run)
    {
        var server = run.Command.Arguments.Contains("/SERVER");
        var text = new System.Text.StringBuilder("The commands written in the file will be used instead of input from keyboard.\nPassword: ****\n\n");
        var hub = "";
        foreach (var command in run.Commands)
        {
            text.Append(server ? $"VPN Server{hub}>" : "VPN Client>").Append(command).Append('\n');
            if (command.StartsWith("Hub ", StringComparison.Ordinal))
                hub = "/" + command[4..];
        }
        return text.ToString();
    }
}

/// <summary>One vpncmd run: its command line, stdin and the commands of its batch file (and that file's mode).</summary>
internal sealed record VpnCmdRun(CommandRequest Command, IReadOnlyList<string> Commands, UnixFileMode? FileMode)
{
    public string First => Commands.FirstOrDefault() ?? "";

    public bool Has(string command) => Commands.Any(c => c.StartsWith(command, StringComparison.Ordinal));
}
