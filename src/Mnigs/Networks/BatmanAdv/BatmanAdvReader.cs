using System.Globalization;
using Mnigs.Platform;

namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// Reads a batman-adv mesh with seven read-only commands: <c>ip -j addr show dev bat0</c>, <c>batctl meshif bat0</c>
/// <c>interface</c>, <c>originators</c>, <c>neighbors</c>, <c>gateways</c> and <c>transglobal</c>, and
/// <c>ip -j neigh show dev bat0</c>. batctl 2019.3 and later take <c>meshif bat0</c>; an older one that does not
/// know it is asked with <c>-m bat0</c>. Whatever stops the reading becomes a <see cref="BatctlException"/>
/// whose message tells the operator what to do.
/// </summary>
internal sealed class BatmanAdvReader(BatmanAdvOptions options, ICommandRunner runner)
{
    public const string NotInstalled = "batctl is not installed (apt-get install batctl)";
    public const string NoModule = "this kernel has no batman-adv module (modprobe batman-adv)";

    private volatile bool _legacySyntax;

    private string Mesh => options.MeshInterface;

    /// <summary>The mesh, and the batctl lines Mnigs could not read: per table, how many and the first.</summary>
    public async Task<(BatmanAdvMesh Mesh, IReadOnlyList<(string Table, int Count, string? First)> Skipped)> ReadAsync(CancellationToken ct)
    {
        var skipped = new List<(string, int, string?)>();
        var batctl = runner.FindProgram("batctl");
        if (batctl is null)
            throw new BatctlException(ModuleMissing() ? $"{NotInstalled}, and {NoModule}" : NotInstalled);
        if (ModuleMissing())
            throw new BatctlException(NoModule);

        // batctl first: only its own words tell a missing module from a missing bat0 when /sys/module is hidden.
        var interfaceAnswer = await BatctlAsync(batctl, "interface", [], ct);
        var addressAnswer = await RunAsync(CommandRequest.Of("ip", "-j", "address", "show", "dev", Mesh), ct);
        if (!interfaceAnswer.Succeeded)
        {
            var problem = BatctlFailed(Batctl(batctl, "interface", []), interfaceAnswer);
            throw new BatctlException(problem is NoModule or NotInstalled || addressAnswer.Succeeded ? problem : IpFailed(addressAnswer, "address"));
        }
        if (!addressAnswer.Succeeded)
            throw new BatctlException(IpFailed(addressAnswer, "address"));
        var (link, linkError) = MeshLink.FromAddressJson(addressAnswer.Stdout);
        if (link is null)
            throw new BatctlException($"could not read what ip said about {Mesh}: {linkError}");

        var hard = Rows("interface", BatctlText.Interfaces(interfaceAnswer.Stdout), skipped);
        if (!hard.Any(h => h.Active))
            throw new BatctlException(hard.Count == 0
                ? $"{Mesh} has no hard interface: add one with batctl meshif {Mesh} interface add <interface>"
                : $"{Mesh}'s hard interfaces are all inactive ({string.Join(", ", hard.Select(h => h.Name))}): bring one up with ip link set <interface> up");

        var originators = await TableAsync(batctl, "originators", ["-n", "-H"], BatctlText.Originators, skipped, ct);
        var neighbours = await TableAsync(batctl, "neighbors", ["-n", "-H"], BatctlText.Neighbours, skipped, ct);
        var gateways = await TableAsync(batctl, "gateways", ["-n", "-H"], BatctlText.Gateways, skipped, ct);
        var translations = await TableAsync(batctl, "transglobal", ["-n", "-H", "-u"], BatctlText.Translations, skipped, ct);

        var neighAnswer = await RunAsync(CommandRequest.Of("ip", "-j", "neigh", "show", "dev", Mesh), ct);
        if (!neighAnswer.Succeeded)
            throw new BatctlException(IpFailed(neighAnswer, "neigh"));
        var (ipNeighbours, neighError) = MeshLink.NeighboursFromJson(neighAnswer.Stdout);
        if (neighError is not null)
            throw new BatctlException($"could not read {Mesh}'s neighbour table from ip: {neighError}");

        return (new BatmanAdvMesh(Mesh, link.Up, link.Addresses, hard, originators, neighbours, gateways, translations, ipNeighbours), skipped);
    }

    /// <summary>batman-adv is known to be absent: /sys/module is there, batman_adv is not in it.</summary>
    private bool ModuleMissing()
    {
        var parent = Path.GetDirectoryName(options.ModuleDirectory);
        return parent is not null && Directory.Exists(parent) && !Directory.Exists(options.ModuleDirectory);
    }

    private async Task<IReadOnlyList<T>> TableAsync<T>(
        string batctl, string table, string[] flags, Func<string, BatctlTable<T>> parse, List<(string, int, string?)> skipped, CancellationToken ct)
    {
        var answer = await BatctlAsync(batctl, table, flags, ct);
        if (!answer.Succeeded)
            throw new BatctlException(BatctlFailed(Batctl(batctl, table, flags), answer));
        return Rows(table, parse(answer.Stdout), skipped);
    }

    private static IReadOnlyList<T> Rows<T>(string table, BatctlTable<T> rows, List<(string, int, string?)> skipped)
    {
        if (rows.Skipped > 0)
            skipped.Add((table, rows.Skipped, rows.FirstSkipped));
        return rows.Rows;
    }

    private async Task<CommandResult> BatctlAsync(string batctl, string table, string[] flags, CancellationToken ct)
    {
        var command = Batctl(batctl, table, flags);
        var answer = await RunAsync(command, ct);
        if (!answer.Succeeded && !_legacySyntax && answer.Stderr.Contains("no valid command", StringComparison.Ordinal)
            && answer.Stderr.Contains("meshif", StringComparison.Ordinal))
        {
            // batctl before 2019.3 names the mesh interface with -m.
            _legacySyntax = true;
            command = Batctl(batctl, table, flags);
            answer = await RunAsync(command, ct);
        }
        return answer;
    }

    private CommandRequest Batctl(string batctl, string table, string[] flags)
    {
        string[] mesh = _legacySyntax ? ["-m", Mesh] : ["meshif", Mesh];
        return new CommandRequest(batctl, [.. mesh, table, .. flags]);
    }

    private async Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct)
    {
        try
        {
            return await runner.RunAsync(command with { Timeout = options.EffectiveTimeout }, ct);
        }
        catch (TimeoutException)
        {
            throw new BatctlException(string.Create(CultureInfo.InvariantCulture,
                $"'{command}' did not answer within {options.EffectiveTimeout.TotalSeconds:0.#} s"));
        }
    }

    /// <summary>batctl's error (its messages from main.c, functions.c and interface.c) in an operator's words.</summary>
    private string BatctlFailed(CommandRequest command, CommandResult answer)
    {
        var said = answer.Stderr.Trim();
        if (answer.ExitCode == CommandResult.NotFound && !said.StartsWith("Error", StringComparison.Ordinal))
            return NotInstalled;
        if (said.Contains("module has not been loaded", StringComparison.Ordinal)
            || said.Contains("failed to connect to batadv", StringComparison.Ordinal)
            || said.Contains("is not present or not a batman-adv interface", StringComparison.Ordinal) && ModuleMissing())
            return NoModule;
        // Asked only once ip has shown the interface: it exists, but batman-adv does not own it.
        if (said.Contains("is not present or not a batman-adv interface", StringComparison.Ordinal)
            || said.Length == 0 && command.Arguments.Contains("interface"))
            return $"{Mesh} is not a batman-adv interface (see batman-adv.meshInterface)";
        var lines = said.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("Warning - option -m", StringComparison.Ordinal));
        var text = string.Join("; ", lines);
        return text.Length == 0
            ? string.Create(CultureInfo.InvariantCulture, $"'{command}' failed with exit code {answer.ExitCode}")
            : string.Create(CultureInfo.InvariantCulture, $"'{command}' failed with exit code {answer.ExitCode}: {Shorten(text)}");
    }

    private string IpFailed(CommandResult answer, string what)
    {
        var said = answer.Stderr.Trim();
        if (said.Contains("does not exist", StringComparison.Ordinal) || said.Contains("Cannot find device", StringComparison.Ordinal))
            return $"{Mesh} does not exist: batctl meshif {Mesh} interface add <interface> creates it with its first hard interface";
        if (answer.ExitCode == CommandResult.NotFound)
            return "ip is not installed (apt-get install iproute2)";
        return string.Create(CultureInfo.InvariantCulture, $"'ip {what} show dev {Mesh}' failed with exit code {answer.ExitCode}: {Shorten(said)}");
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
