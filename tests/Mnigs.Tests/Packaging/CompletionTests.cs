using Mnigs.Cli;
using Mnigs.Core.Tests.Config;
using Mnigs.Tests.Cli;

namespace Mnigs.Tests.Packaging;

/// <summary>Shell completion: the scripts ask mnigs-cli through System.CommandLine's [suggest] directive.</summary>
[Collection("console")]
public sealed class CompletionTests
{
    [Theory]
    [InlineData("bash", "packaging/completion/mnigs-cli.bash")]
    [InlineData("zsh", "packaging/completion/_mnigs-cli")]
    public async Task The_packaged_script_is_what_the_command_prints(string shell, string packaged)
    {
        var (code, output, _) = await CliRun.RunAsync("completion", shell);

        Assert.Equal(0, code);
        Assert.Equal(CompletionCommand.Script(shell), output);
        // Regenerate with: mnigs-cli completion bash > packaging/completion/mnigs-cli.bash (and zsh > _mnigs-cli).
        Assert.Equal(output, RepositoryFiles.Read(packaged));
    }

    [Theory]
    [InlineData("sta", 3, "status")]
    [InlineData("voucher cr", 10, "create")]
    [InlineData("test --no", 9, "--no-throughput")]
    public async Task The_suggest_directive_the_scripts_use_completes_commands_and_options(string line, int position, string expected)
    {
        var (code, output, _) = await CliRun.RunAsync($"[suggest:{position}]", line);

        Assert.Equal(0, code);
        Assert.Contains(expected, output.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task An_unknown_shell_is_refused()
    {
        var (code, _, error) = await CliRun.RunAsync("completion", "fish");

        Assert.NotEqual(0, code);
        Assert.Contains("fish", error);
    }
}
