using Mnigs.Cli;

namespace Mnigs.Tests.Cli;

/// <summary>`mnigs-cli -f FILE --set section.key=value` edits the file in place, keeping comments, or refuses.</summary>
[Collection("console")]
public sealed class CliSetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mnigs-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliRun.RunAsync(args);

    [Fact]
    public async Task Set_edits_the_value_and_keeps_comments()
    {
        var path = Path.Combine(_dir, "mnigs.conf");
        await File.WriteAllTextAsync(path, "# my gateway\n[gateway]\n# how many\nmaxConnections = 32\n");

        var (code, output, _) = await RunAsync("-f", path, "--set", "gateway.maxConnections=5", "--set", "main.name=roof");

        Assert.Equal(0, code);
        Assert.Contains("Saved", output);
        var text = await File.ReadAllTextAsync(path);
        Assert.Contains("# my gateway\n[gateway]\n# how many\nmaxConnections = 5\n", text);
        Assert.Contains("name = roof", text);
    }

    [Theory]
    [InlineData("gateway.maxConection=5", "Unknown key")]
    [InlineData("gateway.maxConnections=many", "gateway.maxConnections")]
    [InlineData("wireguard.ipv4Subnet=10.0.0.0/40", "wireguard.ipv4Subnet")]
    public async Task Bad_key_or_value_is_refused_and_the_file_is_unchanged(string assignment, string message)
    {
        var path = Path.Combine(_dir, "mnigs.conf");
        const string original = "[gateway]\nmaxConnections = 32\n";
        await File.WriteAllTextAsync(path, original);

        var (code, _, error) = await RunAsync("-f", path, "--set", "main.name=ok", "--set", assignment);

        Assert.NotEqual(0, code);
        Assert.Contains(message, error);
        Assert.Equal(original, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Set_without_a_file_says_how_to_use_it()
    {
        var (code, _, error) = await RunAsync("--set", "gateway.enabled=yes");
        Assert.Equal(2, code);
        Assert.Contains("-f FILE", error);
    }

    [Fact]
    public async Task A_daemon_that_does_not_answer_gives_exit_code_3()
    {
        var path = Path.Combine(_dir, "mnigs.conf");
        // A port nobody listens on.
        await File.WriteAllTextAsync(path, "[daemon]\nrpcPort = 1\n");
        var (code, _, error) = await RunAsync("-f", path, "status");
        Assert.Equal(3, code);
        Assert.Contains("did not answer", error);
    }
}
