using Mnigs.Platform;

namespace Mnigs.Tests.Platform;

/// <summary>
/// A host made of scripted answers: each command line gets its scripted results in turn (the last one
/// repeats); anything unscripted succeeds silently (<c>ip -j</c> reads answer <c>[]</c>).
/// </summary>
internal sealed class ScriptedCommandRunner : ICommandRunner
{
    private readonly Dictionary<string, Queue<CommandResult>> _answers = new(StringComparer.Ordinal);
    private readonly List<CommandRequest> _calls = [];

    public Dictionary<string, string> Programs { get; } = new(StringComparer.Ordinal)
    {
        ["wireguard-go"] = "/usr/bin/wireguard-go",
        ["wg"] = "/usr/bin/wg",
        ["nft"] = "/usr/sbin/nft",
        ["ip"] = "/usr/sbin/ip",
    };

    public IReadOnlyList<CommandRequest> Calls => _calls;

    public IReadOnlyList<string> CommandLines => [.. _calls.Select(c => c.ToString())];

    public ScriptedCommandRunner Answer(string commandLine, params CommandResult[] results)
    {
        _answers[commandLine] = new Queue<CommandResult>(results);
        return this;
    }

    public ScriptedCommandRunner Answer(string commandLine, string stdout) => Answer(commandLine, CommandResult.Output(stdout));

    public void ForgetCalls() => _calls.Clear();

    /// <summary>Forgets every answer and call: a different host behind the same runner.</summary>
    public ScriptedCommandRunner Reset()
    {
        _answers.Clear();
        _calls.Clear();
        return this;
    }

    /// <summary>Commands so far that would change the host (anything but a listing).</summary>
    public IReadOnlyList<string> Changes => [.. CommandLines.Where(IsChange)];

    public static bool IsChange(string commandLine) =>
        !(commandLine.StartsWith("ip -j ", StringComparison.Ordinal)
          || commandLine.StartsWith("wg showconf ", StringComparison.Ordinal)
          || commandLine == "nft list tables");

    public Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct)
    {
        _calls.Add(command);
        var line = command.ToString();
        if (_answers.TryGetValue(line, out var queue) && queue.Count > 0)
            return Task.FromResult(queue.Count > 1 ? queue.Dequeue() : queue.Peek());
        return Task.FromResult(line.StartsWith("ip -j ", StringComparison.Ordinal) ? CommandResult.Output("[]") : CommandResult.Ok);
    }

    public string? FindProgram(string program) => Programs.GetValueOrDefault(program);
}
