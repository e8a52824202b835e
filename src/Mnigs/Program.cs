using Mnigs.Cli;
using Mnigs.Daemon;

// One executable, three names: `mnigsd -f FILE` runs the daemon, `mnigs-cli ...` is the client,
// `mnigs daemon -f FILE` / `mnigs ...` do the same from the published folder.
var invokedAs = Path.GetFileName(InvokedName());
var daemon = invokedAs.StartsWith("mnigsd", StringComparison.Ordinal);
if (!daemon && args.Length > 0 && args[0] == "daemon")
{
    daemon = true;
    args = args[1..];
}

if (daemon)
{
    string? config = null;
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "-f" when i + 1 < args.Length:
                config = args[++i];
                break;
            case "--version":
                Console.WriteLine($"mnigsd {DaemonHost.Version}");
                return 0;
            case "-h" or "--help":
                Console.WriteLine("Usage: mnigsd [-f FILE]\nRuns the Mnigs daemon in the foreground with the config FILE (defaults without one).");
                return 0;
            default:
                Console.Error.WriteLine($"mnigsd: unknown argument '{args[i]}' (usage: mnigsd [-f FILE])");
                return 2;
        }
    }
    using var stop = new CancellationTokenSource();
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
    using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
    return await DaemonHost.RunAsync(config, stop.Token);
}

return await CliMain.RunAsync(args);

// argv[0] as the kernel saw it: /proc/self/exe would resolve the symlink to the one binary.
static string InvokedName()
{
    try
    {
        var cmdline = File.ReadAllBytes("/proc/self/cmdline");
        var end = Array.IndexOf(cmdline, (byte)0);
        var argv0 = System.Text.Encoding.UTF8.GetString(cmdline, 0, end < 0 ? cmdline.Length : end);
        // Under `dotnet mnigs.dll` argv[0] is dotnet; then the environment may name the role.
        if (Path.GetFileName(argv0) == "dotnet")
            return Environment.GetEnvironmentVariable("MNIGS_ROLE") ?? "mnigs";
        return argv0;
    }
    catch (IOException)
    {
        return Environment.ProcessPath ?? "mnigs";
    }
}
