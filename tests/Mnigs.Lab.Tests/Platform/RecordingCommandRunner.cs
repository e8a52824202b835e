using Mnigs.Platform;

namespace Mnigs.Lab.Tests.Platform;

/// <summary>Passes commands on and remembers their command lines, to tell listings from changes.</summary>
public sealed class RecordingCommandRunner(ICommandRunner inner) : ICommandRunner
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> CommandLines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }

    /// <summary>Recorded commands that change the host: anything but ip -j, wg showconf and nft list.</summary>
    public IReadOnlyList<string> Changes => [.. CommandLines.Where(l =>
        !(l.StartsWith("ip -j ", StringComparison.Ordinal) || l.StartsWith("wg showconf ", StringComparison.Ordinal) || l == "nft list tables"))];

    public void Clear()
    {
        lock (_lines)
            _lines.Clear();
    }

    public Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct)
    {
        lock (_lines)
            _lines.Add(command.ToString());
        return inner.RunAsync(command, ct);
    }

    public string? FindProgram(string program) => inner.FindProgram(program);
}
