using Mnigs.Platform;

namespace Mnigs.Lab.Tests.Platform;

/// <summary>Runs every command inside one network namespace (<c>ip netns exec NS ...</c>); stdin and secrets pass through unchanged.</summary>
public sealed class NamespacedCommandRunner(ICommandRunner inner, string ns) : ICommandRunner
{
    public Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct) =>
        inner.RunAsync(command with { Program = "ip", Arguments = ["netns", "exec", ns, command.Program, .. command.Arguments] }, ct);

    // Namespaces share the filesystem: a program found here is there too.
    public string? FindProgram(string program) => inner.FindProgram(program);
}
