using Mnigs.Networks.BatmanAdv;
using Mnigs.Platform;
using Mnigs.Tests.Platform;

namespace Mnigs.Tests.Networks.BatmanAdv;

/// <summary>
/// The batman-adv fixtures (Fixtures/batman-adv, see its README.md): tables written in batctl 2023.0's formats for a
/// made-up mesh of five nodes A to E seen from A, and what batctl and ip printed on a lab machine without the module.
/// </summary>
internal static class BatmanAdvFixtures
{
    public const string Batctl = "/usr/sbin/batctl";

    public const string B = "02:ba:7a:00:00:02";
    public const string C = "02:ba:7a:00:00:03";
    public const string D = "02:ba:7a:00:00:04";
    public const string E = "02:ba:7a:00:00:05";

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "batman-adv");

    public static string Read(string name) => File.ReadAllText(Path.Combine(Directory, name));

    /// <summary>Every hand-written batctl table.</summary>
    public static IEnumerable<string> Tables() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>A directory that exists, standing for a loaded module (/sys/module/batman_adv).</summary>
    public static string LoadedModule => AppContext.BaseDirectory;

    /// <summary>A directory whose parent exists but which does not: /sys/module without batman_adv.</summary>
    public static string MissingModule => Path.Combine(AppContext.BaseDirectory, "no-batman-adv-module");

    /// <summary>Neither /sys/module nor batman_adv to look at (sysfs not mounted): only batctl's words tell.</summary>
    public static string HiddenModule => "/nonexistent-sysfs/module/batman_adv";

    public static BatmanAdvOptions Options(string mesh = "bat0", string? module = null) =>
        new(mesh, TimeSpan.FromSeconds(1), module ?? LoadedModule);

    /// <summary>A host with batctl and the whole mesh scripted: algorithm <c>iv</c> or <c>v</c>.</summary>
    public static ScriptedCommandRunner Mesh(string algorithm = "iv")
    {
        var runner = new ScriptedCommandRunner();
        runner.Programs["batctl"] = Batctl;
        return runner
            .Answer($"{Batctl} meshif bat0 interface", Read("iv.interface.txt"))
            .Answer($"{Batctl} meshif bat0 originators -n -H", Read($"{algorithm}.originators.txt"))
            .Answer($"{Batctl} meshif bat0 neighbors -n -H", Read($"{algorithm}.neighbors.txt"))
            .Answer($"{Batctl} meshif bat0 gateways -n -H", Read($"{algorithm}.gateways.txt"))
            .Answer($"{Batctl} meshif bat0 transglobal -n -H -u", Read("iv.transglobal.txt"))
            .Answer("ip -j address show dev bat0", Read("ip-address.json"))
            .Answer("ip -j neigh show dev bat0", Read("ip-neigh.json"));
    }

    /// <summary>The seven read-only commands the adapter runs for one reading, in order.</summary>
    public static readonly string[] Reading =
    [
        $"{Batctl} meshif bat0 interface",
        "ip -j address show dev bat0",
        $"{Batctl} meshif bat0 originators -n -H",
        $"{Batctl} meshif bat0 neighbors -n -H",
        $"{Batctl} meshif bat0 gateways -n -H",
        $"{Batctl} meshif bat0 transglobal -n -H -u",
        "ip -j neigh show dev bat0",
    ];

    /// <summary>
    /// A host scripted with what batctl and ip answered on the lab machine without batman-adv
    /// (no-module.transcript, recorded by record-no-module.sh).
    /// </summary>
    public static ScriptedCommandRunner NoModule()
    {
        var runner = new ScriptedCommandRunner();
        runner.Programs["batctl"] = Batctl;
        foreach (var (command, result) in Transcript("no-module.transcript"))
            runner.Answer(command.StartsWith("batctl ", StringComparison.Ordinal) ? Batctl + command["batctl".Length..] : command, result);
        return runner;
    }

    /// <summary>
    /// Reads a transcript: <c>$ COMMAND</c>, <c>exit N</c>, then the lines it printed as <c>stdout|LINE</c> or <c>stderr|LINE</c>.
    /// </summary>
    public static IEnumerable<(string Command, CommandResult Result)> Transcript(string name)
    {
        string? command = null;
        var exit = 0;
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        foreach (var line in Read(name).Split('\n'))
        {
            if (line.StartsWith("$ ", StringComparison.Ordinal))
            {
                if (command is not null)
                    yield return (command, new CommandResult(exit, stdout.ToString(), stderr.ToString()));
                command = line[2..];
                stdout.Clear();
                stderr.Clear();
            }
            else if (line.StartsWith("exit ", StringComparison.Ordinal))
                exit = int.Parse(line[5..], System.Globalization.CultureInfo.InvariantCulture);
            else if (line.StartsWith("stdout|", StringComparison.Ordinal))
                stdout.Append(line[7..]).Append('\n');
            else if (line.StartsWith("stderr|", StringComparison.Ordinal))
                stderr.Append(line[7..]).Append('\n');
        }
        if (command is not null)
            yield return (command, new CommandResult(exit, stdout.ToString(), stderr.ToString()));
    }
}
