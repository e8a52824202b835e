using System.Text;
using Mnigs.Platform;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// Talks to Mnigs' own SoftEther server or client through vpncmd (5.01), a batch of commands per run:
/// <c>vpncmd localhost:PORT /SERVER /IN:FILE /CSV</c> (or <c>localhost /CLIENT</c>). No secret is ever on a command
/// line: the administrator password is the one line of stdin (vpncmd prompts for it), and commands carrying
/// passwords go in FILE, which is made readable by root only and deleted after the run. Each command's result
/// comes back parsed (<see cref="VpnCmdTranscript"/>); a wrong administrator password makes vpncmd ask again and
/// again, so the run's timeout is short.
/// </summary>
public sealed class VpnCmd(ICommandRunner runner, string vpncmd, string workDirectory, TimeSpan? timeout = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly TimeSpan _timeout = timeout ?? DefaultTimeout;

    /// <summary>Runs <paramref name="commands"/> on the SoftEther server listening on localhost:<paramref name="port"/>.</summary>
    public Task<VpnCmdTranscript> ServerAsync(int port, string adminPassword, IReadOnlyList<string> commands, IReadOnlyList<string> secrets, CancellationToken ct) =>
        RunAsync(["localhost:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), "/SERVER"], adminPassword, commands, secrets, ct);

    /// <summary>Runs <paramref name="commands"/> on the SoftEther client of this host.</summary>
    public Task<VpnCmdTranscript> ClientAsync(string adminPassword, IReadOnlyList<string> commands, IReadOnlyList<string> secrets, CancellationToken ct) =>
        RunAsync(["localhost", "/CLIENT"], adminPassword, commands, secrets, ct);

    private async Task<VpnCmdTranscript> RunAsync(string[] target, string adminPassword, IReadOnlyList<string> commands, IReadOnlyList<string> secrets, CancellationToken ct)
    {
        if (commands.Any(c => c.Contains('\n') || c.Contains('\r')))
            throw new ArgumentException("A vpncmd command is one line", nameof(commands));
        // vpncmd splits its own command line again: the file's name must hold no space.
        if (workDirectory.Any(char.IsWhiteSpace))
            throw new InvalidOperationException($"SoftEther's working directory {workDirectory} has a space in its name, which vpncmd cannot take");
        Directory.CreateDirectory(workDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(workDirectory, $"vpncmd-{Guid.NewGuid():N}.in");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            await using (var writer = new StreamWriter(file, new UTF8Encoding(false), options))
            {
                foreach (var command in commands)
                    await writer.WriteAsync(command + "\n");
            }
            var request = new CommandRequest(vpncmd, [.. target, "/IN:" + file, "/CSV"])
            {
                Stdin = adminPassword + "\n",
                Secrets = [adminPassword, .. secrets],
                Timeout = _timeout,
            };
            CommandResult result;
            try
            {
                result = await runner.RunAsync(request, ct);
            }
            catch (TimeoutException)
            {
                throw new IOException($"vpncmd did not finish within {_timeout.TotalSeconds:0} s ({target[1]}): SoftEther did not answer, or refused Mnigs' administrator password");
            }
            if (result.ExitCode == CommandResult.NotFound && result.Stdout.Length == 0)
                throw new IOException($"Could not run vpncmd: {result.Stderr.Trim()}");
            var transcript = VpnCmdTranscript.Parse(request.Redact(result.Stdout));
            if (transcript.ConnectionError is { } error)
                throw new IOException($"vpncmd could not reach SoftEther's {(target[1] == "/SERVER" ? "server" : "client")}: {error}");
            return transcript;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
